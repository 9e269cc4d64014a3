package dev.ringkv.client;

import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.Framing;
import dev.ringkv.wire.RequestStream;
import io.grpc.CallCredentials;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The client's one long-lived request stream to each node it talks to, shared by every request
 * that node coordinates. Requests queued while the network thread is busy leave in one frame.
 */
final class NodeStreams implements AutoCloseable {

  private static final int MAX_FRAME_BYTES = 256 * 1024;

  private final ChannelPool channels;
  private final CallCredentials credentials;
  private final Executor sender;
  private final ScheduledExecutorService timer;
  private final ConcurrentMap<String, RequestStream<KvRequest, KvRequestFrame, KvReply,
      KvReplyFrame>> streams = new ConcurrentHashMap<>();

  /**
   * @param credentials sent with every call (the bearer token), or null
   * @param sender where frames are assembled and sent (the network thread)
   * @param timer runs the streams' request timeouts
   */
  NodeStreams(ChannelPool channels, CallCredentials credentials, Executor sender,
      ScheduledExecutorService timer) {
    this.channels = channels;
    this.credentials = credentials;
    this.sender = sender;
    this.timer = timer;
  }

  /** The stream to the node at {@code address}, opened on first use. */
  RequestStream<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> to(String address) {
    return streams.computeIfAbsent(address, a -> new RequestStream<>(Framing.KV,
        replies -> {
          KvGrpc.KvStub stub = KvGrpc.newStub(channels.channel(a));
          return (credentials == null ? stub : stub.withCallCredentials(credentials))
              .stream(replies);
        }, sender, timer, MAX_FRAME_BYTES));
  }

  /** Ends every stream (their open requests fail). */
  @Override
  public void close() {
    streams.values().forEach(RequestStream::close);
  }
}

package dev.ringkv.storage.grpc;

import dev.ringkv.proto.KeyRecordProto;
import dev.ringkv.proto.RangeCheckProto;
import dev.ringkv.proto.RangeDigestProto;
import dev.ringkv.proto.RangeDigestsRequest;
import dev.ringkv.proto.RangeSummaryReply;
import dev.ringkv.proto.RangeSummaryRequest;
import dev.ringkv.proto.ReadManyRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadReply;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaReply;
import dev.ringkv.proto.ReplicaReplyFrame;
import dev.ringkv.proto.ReplicaRequest;
import dev.ringkv.proto.ReplicaRequestFrame;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.coordinator.ReplicaAnswer;
import dev.ringkv.storage.coordinator.ReplicaClient;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.sync.KeyVersion;
import dev.ringkv.storage.sync.PeerSyncClient;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.Framing;
import dev.ringkv.version.Version;
import dev.ringkv.wire.GrpcFutures;
import dev.ringkv.wire.RequestStream;
import dev.ringkv.wire.ValueCodec;
import io.grpc.CallCredentials;
import io.grpc.Context;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * {@link ReplicaClient} and {@link PeerSyncClient} over gRPC, one pooled channel per peer, each
 * request under a deadline. Writes and reads, the traffic of every client request, travel over
 * one long-lived stream per peer, so under load many share a frame; range sync uses single calls.
 */
public final class GrpcReplicaClient implements ReplicaClient, PeerSyncClient, AutoCloseable {

  private final ChannelPool channels;
  private final long timeoutMs;
  private final Executor sender;
  private final ScheduledExecutorService timer;
  private final int maxFrameBytes;
  private final CallCredentials identity;
  private final LongSupplier clockMs;
  private final ConcurrentMap<String, RequestStream<ReplicaRequest, ReplicaRequestFrame,
      ReplicaReply, ReplicaReplyFrame>> streams = new ConcurrentHashMap<>();

  /**
   * @param sender where request frames are sent from (the node's network thread)
   * @param timer runs request timeouts
   * @param identity how this node proves who it is to peers without TLS; null with TLS (the
   *     certificate proves it) or in an open cluster
   * @param clockMs wall-clock time, for the deadlines requests carry
   */
  public GrpcReplicaClient(ChannelPool channels, long timeoutMs, Executor sender,
      ScheduledExecutorService timer, int maxFrameBytes, CallCredentials identity,
      LongSupplier clockMs) {
    this.identity = identity;
    this.clockMs = clockMs;
    this.channels = channels;
    this.timeoutMs = timeoutMs;
    this.sender = sender;
    this.timer = timer;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public CompletableFuture<Void> write(Node target, String key, Record record, String hintFor) {
    ReplicaWriteRequest.Builder write = writeOf(key, record);
    if (hintFor != null) {
      write.setHintFor(hintFor);
    }
    return send(target, write);
  }

  @Override
  public CompletableFuture<Void> handOver(Node peer, String key, Record record) {
    return send(peer, writeOf(key, record).setHandover(true));
  }

  private static ReplicaWriteRequest.Builder writeOf(String key, Record record) {
    return ReplicaWriteRequest.newBuilder().setKey(key).setRecord(ProtoConverter.toProto(record));
  }

  private CompletableFuture<Void> send(Node target, ReplicaWriteRequest.Builder write) {
    return stream(target.address())
        .submit(id -> ReplicaRequest.newBuilder().setId(id).setWrite(write)
            .setDeadlineMs(deadline()).build(), timeoutMs)
        .thenApply(written -> null);
  }

  @Override
  public CompletableFuture<ReplicaAnswer> read(Node target, String key, long tableEpoch,
      int maxValueBytes) {
    ReplicaReadRequest read = ReplicaReadRequest.newBuilder().setKey(key)
        .setTableEpoch(tableEpoch).setMaxValueBytes(maxValueBytes).build();
    return stream(target.address())
        .submit(id -> ReplicaRequest.newBuilder().setId(id).setRead(read)
            .setDeadlineMs(deadline()).build(), timeoutMs)
        .thenApply(reply -> ProtoConverter.fromProto(reply.getRead(), maxValueBytes));
  }

  /** When the peer must drop a request sent now: its reply would find nobody waiting. */
  private long deadline() {
    return clockMs.getAsLong() + timeoutMs;
  }

  /** Ends every stream to peers; their open requests fail. */
  @Override
  public void close() {
    streams.values().forEach(RequestStream::close);
  }

  private RequestStream<ReplicaRequest, ReplicaRequestFrame, ReplicaReply, ReplicaReplyFrame>
      stream(String address) {
    return streams.computeIfAbsent(address, a -> new RequestStream<>(Framing.REPLICA,
        replies -> ReplicaGrpc.newStub(channels.channel(a)).withCallCredentials(identity)
            .stream(replies), sender, timer, maxFrameBytes));
  }

  @Override
  public CompletableFuture<Map<TokenRange, DigestCheck>> digests(Node peer,
      Map<TokenRange, Long> digests) {
    List<TokenRange> asked = List.copyOf(digests.keySet());
    RangeDigestsRequest.Builder request = RangeDigestsRequest.newBuilder();
    for (TokenRange range : asked) {
      request.addRanges(RangeDigestProto.newBuilder().setStart(range.start())
          .setEnd(range.end()).setDigest(digests.get(range)));
    }
    return detached(() -> GrpcFutures.toCompletable(stub(peer.address())
            .rangeDigests(request.build())))
        .thenApply(reply -> {
          if (reply.getRangesCount() != asked.size()) {
            throw new IllegalArgumentException(peer.id() + " answered for "
                + reply.getRangesCount() + " ranges of " + asked.size() + " asked");
          }
          Map<TokenRange, DigestCheck> checks = new HashMap<>();
          for (int i = 0; i < asked.size(); i++) {
            RangeCheckProto check = reply.getRanges(i);
            checks.put(asked.get(i), new DigestCheck(check.getInSync(), check.getCaughtUp(),
                check.getKeys()));
          }
          return checks;
        });
  }

  @Override
  public CompletableFuture<List<KeyVersion>> listing(Node peer, TokenRange range) {
    return rangeSummary(peer, range, b -> b.setFullListing(true))
        .thenApply(GrpcReplicaClient::keyVersions);
  }

  private CompletableFuture<RangeSummaryReply> rangeSummary(Node peer, TokenRange range,
      UnaryOperator<RangeSummaryRequest.Builder> what) {
    RangeSummaryRequest request = what.apply(RangeSummaryRequest.newBuilder()
        .setStart(range.start()).setEnd(range.end())).build();
    return detached(() -> GrpcFutures.toCompletable(stub(peer.address()).rangeSummary(request)));
  }

  private static List<KeyVersion> keyVersions(RangeSummaryReply reply) {
    return reply.getEntriesList().stream()
        .map(e -> new KeyVersion(e.getKey(), ValueCodec.fromProto(e.getVersion())))
        .toList();
  }

  @Override
  public CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys) {
    return readMany(peer, keys, false, new HashMap<>());
  }

  @Override
  public CompletableFuture<Map<String, Version>> versions(Node peer, List<String> keys) {
    return readMany(peer, keys, true, new HashMap<>()).thenApply(records -> {
      Map<String, Version> versions = new HashMap<>();
      records.forEach((key, record) -> versions.put(key, record.version()));
      return versions;
    });
  }

  /** Asks for {@code keys}, and again for those a reply stopped short of, adding to {@code into}. */
  private CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys,
      boolean versionsOnly, Map<String, Record> into) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(into);
    }
    ReadManyRequest request = ReadManyRequest.newBuilder().addAllKeys(keys)
        .setVersionsOnly(versionsOnly).build();
    return detached(() -> GrpcFutures.toCompletable(stub(peer.address()).readMany(request)))
        .thenCompose(r -> {
          if (r.getKeysRead() < 1 || r.getKeysRead() > keys.size()) {
            throw new IllegalArgumentException(peer.id() + " read " + r.getKeysRead() + " of "
                + keys.size() + " keys asked for");
          }
          Set<String> asked = new HashSet<>(keys.subList(0, r.getKeysRead()));
          for (KeyRecordProto kr : r.getRecordsList()) {
            if (!asked.contains(kr.getKey())) {
              throw new IllegalArgumentException(peer.id() + " sent a key it was not asked for");
            }
            into.put(kr.getKey(), ProtoConverter.fromProto(kr.getRecord()));
          }
          return readMany(peer, keys.subList(r.getKeysRead(), keys.size()), versionsOnly, into);
        });
  }

  private static <T> CompletableFuture<T> detached(Supplier<CompletableFuture<T>> call) {
    Context detached = Context.current().fork();
    Context previous = detached.attach();
    try {
      return call.get();
    } finally {
      detached.detach(previous);
    }
  }

  private ReplicaGrpc.ReplicaFutureStub stub(String address) {
    return ReplicaGrpc.newFutureStub(channels.channel(address)).withCallCredentials(identity)
        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }
}

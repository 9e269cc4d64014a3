package dev.ringkv.wire;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * One long-lived channel per {@code host:port}, created on first use and shut down with the
 * pool. gRPC channels multiplex calls and reconnect by themselves, so one per peer is enough.
 */
public final class ChannelPool implements AutoCloseable {

  private final ConcurrentMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final int maxInboundMessageBytes;
  private final BiFunction<String, ChannelCredentials, ManagedChannelBuilder<?>> builders;
  private final ChannelCredentials credentials;
  private final boolean callbacksOnNetworkThreads;
  private volatile boolean closed;

  /** A plaintext pool. */
  public ChannelPool(int maxInboundMessageBytes) {
    this(maxInboundMessageBytes, InsecureChannelCredentials.create(), false);
  }

  /**
   * @param callbacksOnNetworkThreads run response callbacks on the network threads instead of
   *     handing them to an executor: faster, but then no callback may ever block
   */
  public ChannelPool(int maxInboundMessageBytes, ChannelCredentials credentials,
      boolean callbacksOnNetworkThreads) {
    this(maxInboundMessageBytes, credentials, callbacksOnNetworkThreads, Grpc::newChannelBuilder);
  }

  /** As above, with the transport's own builders (to share an event loop, say). */
  public ChannelPool(int maxInboundMessageBytes, ChannelCredentials credentials,
      boolean callbacksOnNetworkThreads,
      BiFunction<String, ChannelCredentials, ManagedChannelBuilder<?>> builders) {
    this.maxInboundMessageBytes = maxInboundMessageBytes;
    this.credentials = credentials;
    this.callbacksOnNetworkThreads = callbacksOnNetworkThreads;
    this.builders = builders;
  }

  /** The channel to {@code address}; throws {@link IllegalStateException} once closed. */
  public ManagedChannel channel(String address) {
    if (closed) {
      throw new IllegalStateException("channel pool is closed");
    }
    return channels.computeIfAbsent(address, a -> {
      ManagedChannelBuilder<?> builder = builders.apply(a, credentials)
          .maxInboundMessageSize(maxInboundMessageBytes)
          .disableRetry(); // ringkv retries itself, on another replica; gRPC's buffering is waste
      if (callbacksOnNetworkThreads) {
        builder.directExecutor();
      }
      return builder.build();
    });
  }

  /**
   * Makes every channel reconnect at once instead of waiting out its backoff. Call it when a
   * peer is known to be back: a channel that saw connections refused otherwise keeps failing
   * calls fast for up to its backoff delay, which grows to minutes.
   */
  public void resetConnectBackoff() {
    channels.values().forEach(ManagedChannel::resetConnectBackoff);
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
  }
}

package dev.ringkv.storage.server;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.wire.NettyNetwork;
import dev.ringkv.wire.Network;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What a storage node takes from the world around it rather than deciding itself: the network
 * it serves and calls on, its wall clock (versions, deadlines, suspicion) and the hash that
 * places keys on the ring. A process runs on {@link #real()}; an in-JVM test cluster gives its
 * nodes in-process networks and, to test skew, clocks of their own.
 *
 * @param networks the network for the node with the given id
 * @param wallClockMs milliseconds since the epoch, as {@link System#currentTimeMillis()}
 */
public record NodeEnvironment(Function<String, Network> networks, LongSupplier wallClockMs,
    KeyHasher hasher) {

  public NodeEnvironment {
    Objects.requireNonNull(networks, "networks");
    Objects.requireNonNull(wallClockMs, "wallClockMs");
    Objects.requireNonNull(hasher, "hasher");
  }

  /** Sockets, the system clock and the cluster's murmur3 hash. */
  public static NodeEnvironment real() {
    return new NodeEnvironment(NettyNetwork::create, System::currentTimeMillis,
        KeyHasher.murmur3());
  }

  public NodeEnvironment withNetworks(Function<String, Network> networks) {
    return new NodeEnvironment(networks, wallClockMs, hasher);
  }

  public NodeEnvironment withWallClock(LongSupplier wallClockMs) {
    return new NodeEnvironment(networks, wallClockMs, hasher);
  }
}

package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What this process has seen of each peer: a heartbeat says a peer is alive, not that it can be
 * reached. A peer that timed out or failed is suspect for a while, doubling with each failure in
 * a row up to a bound; suspects are tried last. Once the while is over the peer is tried again in
 * its turn, which is the probe: one success clears it.
 */
public final class PeerHealth {

  private record Suspicion(int failures, long untilMs) {}

  private final LongSupplier clockMs;
  private final long firstSuspicionMs;
  private final long maxSuspicionMs;
  private final Map<String, Suspicion> suspects = new ConcurrentHashMap<>();

  /**
   * @param firstSuspicionMs how long a first failure makes a peer suspect
   * @param maxSuspicionMs the longest a peer stays suspect after failures in a row
   */
  public PeerHealth(LongSupplier clockMs, long firstSuspicionMs, long maxSuspicionMs) {
    if (firstSuspicionMs < 1 || maxSuspicionMs < firstSuspicionMs) {
      throw new IllegalArgumentException("suspicion must be 1 ms or more and at most its bound, "
          + "got " + firstSuspicionMs + " and " + maxSuspicionMs);
    }
    this.clockMs = clockMs;
    this.firstSuspicionMs = firstSuspicionMs;
    this.maxSuspicionMs = maxSuspicionMs;
  }

  /** A call to {@code peerId} timed out or failed for want of the peer. */
  public void failed(String peerId) {
    long now = clockMs.getAsLong();
    suspects.compute(peerId, (id, previous) -> {
      int failures = previous == null ? 1 : Math.min(previous.failures() + 1, 30);
      long forMs = Math.min(maxSuspicionMs, firstSuspicionMs << Math.min(failures - 1, 20));
      return new Suspicion(failures, now + forMs);
    });
  }

  /** {@code peerId} answered. */
  public void succeeded(String peerId) {
    if (!suspects.isEmpty()) {
      suspects.remove(peerId);
    }
  }

  public boolean isSuspect(String peerId) {
    Suspicion s = suspects.get(peerId);
    return s != null && clockMs.getAsLong() < s.untilMs();
  }

  /** {@code items} with the suspect peers moved last, otherwise in the order given. */
  public <T> List<T> healthyFirst(List<T> items, Function<T, String> peerId) {
    if (suspects.isEmpty()) {
      return items;
    }
    List<T> ordered = new ArrayList<>(items);
    ordered.sort(Comparator.comparing(item -> isSuspect(peerId.apply(item))));
    return ordered;
  }
}

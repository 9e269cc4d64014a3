package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What this process has seen of each peer: a heartbeat says a peer is alive, not that it can be
 * reached. A peer that timed out or failed is suspect for a while, doubling with each failure in
 * a row up to a bound; suspects are tried last. When the while is over, one request gets to
 * probe the peer while it stays suspect for everyone else; the probe's success clears the peer,
 * its failure (or no answer within the probe timeout) makes it suspect again for longer.
 */
public final class PeerHealth {

  /** {@code probeUntilMs} is 0 while no probe is out. */
  private record Suspicion(int failures, long untilMs, long probeUntilMs) {}

  private final LongSupplier clockMs;
  private final long firstSuspicionMs;
  private final long maxSuspicionMs;
  private final long probeTimeoutMs;
  private final Map<String, Suspicion> suspects = new ConcurrentHashMap<>();

  /**
   * @param firstSuspicionMs how long a first failure makes a peer suspect
   * @param maxSuspicionMs the longest a peer stays suspect after failures in a row
   * @param probeTimeoutMs how long a probe may go unanswered before another request may probe
   */
  public PeerHealth(LongSupplier clockMs, long firstSuspicionMs, long maxSuspicionMs,
      long probeTimeoutMs) {
    if (firstSuspicionMs < 1 || maxSuspicionMs < firstSuspicionMs || probeTimeoutMs < 1) {
      throw new IllegalArgumentException("suspicion must be 1 ms or more and at most its bound, "
          + "and the probe timeout positive; got " + firstSuspicionMs + ", " + maxSuspicionMs
          + " and " + probeTimeoutMs);
    }
    this.clockMs = clockMs;
    this.firstSuspicionMs = firstSuspicionMs;
    this.maxSuspicionMs = maxSuspicionMs;
    this.probeTimeoutMs = probeTimeoutMs;
  }

  /** A call to {@code peerId} timed out or failed for want of the peer. */
  public void failed(String peerId) {
    long now = clockMs.getAsLong();
    suspects.compute(peerId, (id, previous) -> {
      int failures = previous == null ? 1 : Math.min(previous.failures() + 1, 30);
      long forMs = Math.min(maxSuspicionMs, firstSuspicionMs << Math.min(failures - 1, 20));
      return new Suspicion(failures, now + forMs, 0);
    });
  }

  /** {@code peerId} answered. */
  public void succeeded(String peerId) {
    if (!suspects.isEmpty()) {
      suspects.remove(peerId);
    }
  }

  /**
   * Whether a request should avoid {@code peerId}. Once a suspicion is over, the first caller
   * to ask is told no: its request is the probe; until the probe is answered or times out,
   * everyone else is told yes.
   */
  public boolean isSuspect(String peerId) {
    Suspicion s = suspects.get(peerId);
    if (s == null) {
      return false;
    }
    long now = clockMs.getAsLong();
    if (now < s.untilMs() || now < s.probeUntilMs()) {
      return true;
    }
    Suspicion probing = new Suspicion(s.failures(), s.untilMs(), now + probeTimeoutMs);
    return !suspects.replace(peerId, s, probing); // lost the race: another caller probes
  }

  /** {@code items} with the suspect peers moved last, otherwise in the order given. */
  public <T> List<T> healthyFirst(List<T> items, Function<T, String> peerId) {
    if (suspects.isEmpty()) {
      return items;
    }
    List<T> healthy = new ArrayList<>(items.size());
    List<T> suspect = new ArrayList<>(0);
    for (T item : items) {
      (isSuspect(peerId.apply(item)) ? suspect : healthy).add(item);
    }
    healthy.addAll(suspect);
    return healthy;
  }
}

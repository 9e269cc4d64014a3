package dev.ringkv.version;

import java.util.function.LongSupplier;

/**
 * Issues strictly increasing versions for one node. It never runs behind any version it has
 * observed, so a node that stamps a write after seeing an older one always stamps it newer, even
 * if its wall clock lags.
 */
public final class HybridClock {

  private final String nodeId;
  private final LongSupplier wallClockMs;
  private long physicalMs;
  private int logical;

  public HybridClock(String nodeId, LongSupplier wallClockMs) {
    this.nodeId = nodeId;
    this.wallClockMs = wallClockMs;
  }

  /** A version newer than every version this clock issued or observed. */
  public synchronized Version next() {
    long wall = wallClockMs.getAsLong();
    if (wall > physicalMs) {
      physicalMs = wall;
      logical = 0;
    } else {
      logical++;
    }
    return new Version(physicalMs, logical, nodeId);
  }

  /** Moves the clock past {@code seen}, so the next version stamped here is newer than it. */
  public synchronized void observe(Version seen) {
    if (seen.physicalMs() > physicalMs) {
      physicalMs = seen.physicalMs();
      logical = seen.logical();
    } else if (seen.physicalMs() == physicalMs && seen.logical() > logical) {
      logical = seen.logical();
    }
  }
}

package dev.ringkv.version;

import java.util.function.LongSupplier;

/**
 * Issues strictly increasing versions for one node. It never runs behind any version it has
 * observed, so a node that stamps a write after seeing an older one always stamps it newer, even
 * if its wall clock lags. It does not follow a version more than {@link #MAX_DRIFT_MS} ahead of
 * its wall clock: such a version is bogus (or its stamper's clock is), and following it would
 * drag every later version far into the future.
 */
public final class HybridClock {

  /** How far ahead of the local wall clock another party's version may be. */
  public static final long MAX_DRIFT_MS = 60_000;

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
    } else if (logical == Integer.MAX_VALUE) {
      physicalMs++; // the counter is spent: move to the next millisecond instead
      logical = 0;
    } else {
      logical++;
    }
    return new Version(physicalMs, logical, nodeId);
  }

  /** Moves the clock past {@code seen}, so the next version stamped here is newer than it. */
  public synchronized void observe(Version seen) {
    if (seen.physicalMs() > wallClockMs.getAsLong() + MAX_DRIFT_MS) {
      return;
    }
    if (seen.physicalMs() > physicalMs) {
      physicalMs = seen.physicalMs();
      logical = seen.logical();
    } else if (seen.physicalMs() == physicalMs && seen.logical() > logical) {
      logical = seen.logical();
    }
  }
}

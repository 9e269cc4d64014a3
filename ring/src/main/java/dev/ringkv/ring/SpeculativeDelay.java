package dev.ringkv.ring;

import java.util.Arrays;

/**
 * How long to wait for an answer before asking someone else as well: twice the 99th percentile
 * of recent answer times, kept between a floor (so a fast, idle cluster does not send every
 * request twice) and a ceiling (so a hung peer costs little however slow recent answers were).
 * Coordinators use it to read from one more replica, clients to send a request to one more node.
 */
public final class SpeculativeDelay {

  private static final int WINDOW = 256;
  private static final int RECOMPUTE_EVERY = 64;

  private final long floorMs;
  private final long ceilingMs;
  private final long[] recentMicros = new long[WINDOW];
  private int recorded;
  private volatile long delayMs;

  public SpeculativeDelay(long floorMs, long ceilingMs) {
    if (floorMs < 1 || ceilingMs < floorMs) {
      throw new IllegalArgumentException("speculative delay bounds must satisfy "
          + "1 <= floor <= ceiling, got " + floorMs + " and " + ceilingMs);
    }
    this.floorMs = floorMs;
    this.ceilingMs = ceilingMs;
    this.delayMs = floorMs;
  }

  public long delayMs() {
    return delayMs;
  }

  /** An answer came {@code nanos} after its request left. */
  public synchronized void answeredAfter(long nanos) {
    recentMicros[recorded % WINDOW] = nanos / 1_000;
    recorded++;
    if (recorded % RECOMPUTE_EVERY == 0) {
      long[] sorted = Arrays.copyOf(recentMicros, Math.min(recorded, WINDOW));
      Arrays.sort(sorted);
      long p99Ms = sorted[(int) (sorted.length * 0.99)] / 1_000;
      delayMs = Math.max(floorMs, Math.min(ceilingMs, 2 * p99Ms));
    }
  }
}

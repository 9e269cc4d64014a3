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
      int count = Math.min(recorded, WINDOW);
      long p99Ms = largest(recentMicros, count, count - (int) (count * 0.99)) / 1_000;
      delayMs = Math.max(floorMs, Math.min(ceilingMs, 2 * p99Ms));
    }
  }

  /**
   * The {@code k}-th largest of the first {@code count} values, in one pass keeping the
   * {@code k} largest seen: a 99th percentile is among the last few, and sorting the whole
   * window for it cost a client more than anything else it does per answer.
   */
  static long largest(long[] values, int count, int k) {
    long[] top = new long[k]; // descending
    Arrays.fill(top, Long.MIN_VALUE);
    for (int i = 0; i < count; i++) {
      long v = values[i];
      if (v > top[k - 1]) {
        int j = k - 1;
        for (; j > 0 && top[j - 1] < v; j--) {
          top[j] = top[j - 1];
        }
        top[j] = v;
      }
    }
    return top[k - 1];
  }
}

package dev.ringkv.storage.coordinator;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * When a read sends to one more replica: once the first ones have taken longer than replicas
 * usually take. The delay is twice the 99th percentile of recent replica reads, kept between a
 * floor (so an idle, fast cluster does not send every read twice) and a ceiling (so a hung
 * replica costs little however slow the recent reads were).
 */
public final class Speculation {

  /** Runs a task after a delay (the node's network loop; a manual queue in tests). */
  public interface Scheduler {
    void schedule(Runnable task, long delayMs);
  }

  private static final int WINDOW = 256;
  private static final int RECOMPUTE_EVERY = 64;

  private final Scheduler scheduler;
  private final LongSupplier nanoClock;
  private final long floorMs;
  private final long ceilingMs;
  private final long[] recentMicros = new long[WINDOW];
  private int recorded;
  private volatile long delayMs;

  public Speculation(Scheduler scheduler, LongSupplier nanoClock, long floorMs, long ceilingMs) {
    if (floorMs < 1 || ceilingMs < floorMs) {
      throw new IllegalArgumentException("speculative read delay bounds must satisfy "
          + "1 <= floor <= ceiling, got " + floorMs + " and " + ceilingMs);
    }
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
    this.floorMs = floorMs;
    this.ceilingMs = ceilingMs;
    this.delayMs = floorMs;
  }

  /** How long a read waits for its first replicas before it asks one more. */
  public long delayMs() {
    return delayMs;
  }

  long now() {
    return nanoClock.getAsLong();
  }

  /** A replica answered a read asked at {@code startNanos} (a value of {@link #now()}). */
  synchronized void answeredSince(long startNanos) {
    recentMicros[recorded % WINDOW] = (nanoClock.getAsLong() - startNanos) / 1_000;
    recorded++;
    if (recorded % RECOMPUTE_EVERY == 0) {
      long[] sorted = Arrays.copyOf(recentMicros, Math.min(recorded, WINDOW));
      Arrays.sort(sorted);
      long p99Ms = sorted[(int) (sorted.length * 0.99)] / 1_000;
      delayMs = Math.max(floorMs, Math.min(ceilingMs, 2 * p99Ms));
    }
  }

  void after(long delay, Runnable task) {
    scheduler.schedule(task, delay);
  }
}

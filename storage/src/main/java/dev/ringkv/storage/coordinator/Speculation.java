package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.SpeculativeDelay;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * When and how a read asks one more replica: after the {@link SpeculativeDelay} learned from
 * recent replica reads, on the given scheduler.
 */
public final class Speculation {

  /** Runs a task after a delay (the node's network loop; a manual queue in tests). */
  public interface Scheduler {
    /** @return cancels the task if it has not run yet */
    Future<?> schedule(Runnable task, long delayMs);
  }

  private final Scheduler scheduler;
  private final LongSupplier nanoClock;
  private final SpeculativeDelay delay;

  public Speculation(Scheduler scheduler, LongSupplier nanoClock, long floorMs, long ceilingMs) {
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
    this.delay = new SpeculativeDelay(floorMs, ceilingMs);
  }

  /** How long a read waits for its first replicas before it asks one more. */
  public long delayMs() {
    return delay.delayMs();
  }

  long now() {
    return nanoClock.getAsLong();
  }

  /** A replica answered a read asked at {@code startNanos} (a value of {@link #now()}). */
  void answeredSince(long startNanos) {
    delay.answeredAfter(nanoClock.getAsLong() - startNanos);
  }

  Future<?> after(long delayMs, Runnable task) {
    return scheduler.schedule(task, delayMs);
  }
}

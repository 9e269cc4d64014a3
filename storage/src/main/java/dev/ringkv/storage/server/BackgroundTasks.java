package dev.ringkv.storage.server;

import dev.ringkv.process.DaemonThreads;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's work off the network thread, each kind on a thread of its own so that a slow one
 * cannot hold up another: heartbeats; hint delivery; range sync and stray cleanup (one thread,
 * so a range is never pulled and cleaned up at once); the answers to calls that scan the store,
 * operators' status and peers' range digests (never on the network thread, where they would
 * hold up every request). The one owner
 * of these threads: {@link #close()} stops each and waits for it. A task that fails is logged
 * and runs again at its next turn.
 */
final class BackgroundTasks implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BackgroundTasks.class);
  private static final long STOP_TIMEOUT_SECONDS = 5;

  private final ScheduledExecutorService heartbeat;
  private final ScheduledExecutorService hintDelivery;
  private final ScheduledExecutorService rangeSync;
  private final ScheduledExecutorService scans;
  private final AtomicBoolean beatQueued = new AtomicBoolean();
  private volatile Runnable beat;

  BackgroundTasks(String nodeId) {
    heartbeat = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.of(nodeId, "heartbeat"));
    hintDelivery = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.of(nodeId, "hint-delivery"));
    rangeSync = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.of(nodeId, "range-sync"));
    scans = Executors.newSingleThreadScheduledExecutor(DaemonThreads.of(nodeId, "scans"));
  }

  /**
   * Where calls that scan the store are answered; it refuses work
   * ({@code RejectedExecutionException}) once the node is stopping.
   */
  Executor scans() {
    return scans;
  }

  /** Runs the heartbeat {@code beat} now and then every {@code periodMs}. */
  void heartbeatEvery(long periodMs, Runnable beat) {
    this.beat = guarded(beat);
    heartbeat.scheduleAtFixedRate(this.beat, 0, periodMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Beats once more as soon as the heartbeat thread is free (when the table may have changed);
   * calls while one is waiting share it. Before the heartbeat has started, does nothing.
   */
  void heartbeatSoon() {
    Runnable once = beat;
    if (once != null && beatQueued.compareAndSet(false, true)) {
      runSoon(heartbeat, () -> {
        beatQueued.set(false);
        once.run();
      });
    }
  }

  void hintDeliveryEvery(long periodMs, Runnable task) {
    hintDelivery.scheduleWithFixedDelay(guarded(task), periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  void rangeSyncEvery(long periodMs, Runnable task) {
    rangeSync.scheduleWithFixedDelay(guarded(task), periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  /** Runs {@code task} every {@code periodMs} on the thread that answers scanning calls. */
  void sweepEvery(long periodMs, Runnable task) {
    scans.scheduleWithFixedDelay(guarded(task), periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  /** Runs {@code task} once, as soon as the range-sync thread is free. */
  void rangeSyncNow(Runnable task) {
    runSoon(rangeSync, task);
  }

  /** Starts no task any more and interrupts those running; returns at once. */
  void stop() {
    executors().forEach(ScheduledExecutorService::shutdownNow);
  }

  /** Stops every task and waits for each thread to end. */
  @Override
  public void close() throws InterruptedException {
    stop();
    for (ScheduledExecutorService executor : executors()) {
      if (!executor.awaitTermination(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        log.warn("a background task did not stop within {} s", STOP_TIMEOUT_SECONDS);
      }
    }
  }

  private List<ScheduledExecutorService> executors() {
    return List.of(heartbeat, hintDelivery, rangeSync, scans);
  }

  private static void runSoon(ScheduledExecutorService executor, Runnable task) {
    try {
      executor.execute(guarded(task));
    } catch (RejectedExecutionException stopping) {
      // closing: nothing runs any more
    }
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("background task failed", e);
      }
    };
  }
}

package dev.ringkv.bench;

import dev.ringkv.process.DaemonThreads;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Keeps {@code concurrency} requests outstanding against a store until {@code ops} have
 * completed, recording each one's latency. Keys are uniform over {@code keys}; the mix is
 * {@code readRatio} reads, the rest writes of {@code valueSize}-byte values.
 */
final class LoadGenerator {

  /** What one run measured. */
  record Measurement(long ops, long errors, double seconds, Histogram latencyMicros) {
    double opsPerSecond() {
      return ops / seconds;
    }

    double percentileMs(double percentile) {
      return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxMs() {
      return latencyMicros.getMaxValue() / 1000.0;
    }
  }

  private final LoadTarget target;
  private final int keys;
  private final int valueSize;
  private final double readRatio;
  private final int concurrency;

  LoadGenerator(LoadTarget target, int keys, int valueSize, double readRatio, int concurrency) {
    this.target = target;
    this.keys = keys;
    this.valueSize = valueSize;
    this.readRatio = readRatio;
    this.concurrency = concurrency;
  }

  /** Writes every key once, so reads find values. */
  Measurement load(String progressLabel) throws InterruptedException {
    return run(keys, 0.0, progressLabel, true);
  }

  Measurement run(long ops, String progressLabel) throws InterruptedException {
    return run(ops, readRatio, progressLabel, false);
  }

  private Measurement run(long ops, double reads, String label, boolean sequentialKeys)
      throws InterruptedException {
    Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Semaphore permits = new Semaphore(concurrency);
    Random random = new Random(42);
    byte[] value = new byte[valueSize];
    random.nextBytes(value);
    ScheduledExecutorService progress =
        Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("bench-progress"));
    long start = System.nanoTime();
    progress.scheduleAtFixedRate(() -> System.out.printf("  %s: %,d of %,d ops, %,.0f ops/s%n",
        label, done.get(), ops, done.get() / ((System.nanoTime() - start) / 1e9)),
        5, 5, TimeUnit.SECONDS);
    try {
      for (long i = 0; i < ops; i++) {
        permits.acquire();
        String key = "key" + (sequentialKeys ? i : random.nextInt(keys));
        boolean read = reads > 0 && random.nextDouble() < reads;
        long t0 = System.nanoTime();
        CompletableFuture<?> f = read ? target.get(key) : target.put(key, value);
        f.whenComplete((r, e) -> {
          latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
          if (e != null) {
            errors.incrementAndGet();
          }
          done.incrementAndGet();
          permits.release();
        });
      }
      permits.acquire(concurrency);
    } finally {
      progress.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Measurement(ops, errors.get(), seconds, latency);
  }
}

package dev.ringkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LoadGeneratorTest {

  private final ExecutorService store = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() throws InterruptedException {
    store.shutdownNow();
    store.awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * A store that answers on its own threads, refuses every seventh request at once, and counts
   * what is outstanding.
   */
  private final class CountingStore implements LoadTarget {
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger mostOutstanding = new AtomicInteger();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong reads = new AtomicLong();

    @Override
    public CompletableFuture<?> get(String key) {
      reads.incrementAndGet();
      return answer();
    }

    @Override
    public CompletableFuture<?> put(String key, byte[] value) {
      return answer();
    }

    private CompletableFuture<?> answer() {
      if (requests.incrementAndGet() % 7 == 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("refused"));
      }
      mostOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
      return CompletableFuture.runAsync(() -> {
        if (ThreadLocalRandom.current().nextInt(50) == 0) {
          Thread.yield();
        }
        outstanding.decrementAndGet();
      }, store);
    }
  }

  @Test
  void runsExactlyTheOpsAskedWithAtMostTheConcurrencyOutstanding() throws Exception {
    CountingStore target = new CountingStore();
    LoadGenerator.Measurement m =
        new LoadGenerator(target, 100, 8, 0.5, 16).run(20_000, "test");

    assertThat(m.ops()).isEqualTo(20_000);
    assertThat(target.requests.get()).as("requests sent").isEqualTo(20_000);
    assertThat(m.errors()).as("the refusals, each counted once").isEqualTo(20_000 / 7);
    assertThat(m.latencyMicros().getTotalCount()).isEqualTo(20_000);
    assertThat(target.mostOutstanding.get()).isBetween(2, 16);
    assertThat(target.reads.get()).as("about half reads").isBetween(9_000L, 11_000L);
  }
}

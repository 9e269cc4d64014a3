package dev.ringkv.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FirstSuccessTest {

  @Test
  void theFirstSuccessWinsEvenAfterAnotherAttemptFailed() {
    FirstSuccess<String> race = new FirstSuccess<>();
    CompletableFuture<String> slow = new CompletableFuture<>();
    CompletableFuture<String> hedge = new CompletableFuture<>();
    race.add(() -> slow);
    race.add(() -> hedge);
    hedge.completeExceptionally(new IllegalStateException("refused"));
    assertThat(race.result()).as("the slow one may still answer").isNotDone();
    slow.complete("value");
    assertThat(race.result()).isCompletedWithValue("value");
  }

  @Test
  void failsWithTheFirstFailureOnceEveryAttemptFailedAndStartsNothingAfterwards() {
    FirstSuccess<String> race = new FirstSuccess<>();
    race.add(() -> CompletableFuture.failedFuture(new IllegalStateException("first")));
    assertThat(race.result()).isCompletedExceptionally();
    AtomicInteger started = new AtomicInteger();
    race.add(() -> {
      started.incrementAndGet();
      return CompletableFuture.completedFuture("late");
    });
    assertThat(started).hasValue(0);
    assertThat(race.result().handle((v, e) -> e.getMessage()).join()).isEqualTo("first");
  }
}

package dev.ringkv.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CallBatcherTest {

  private final List<List<String>> sent = new ArrayList<>();
  private final List<CompletableFuture<List<String>>> calls = new ArrayList<>();
  private final CallBatcher<String, String> batcher = new CallBatcher<>(2, 10, String::length,
      items -> {
        sent.add(items);
        CompletableFuture<List<String>> call = new CompletableFuture<>();
        calls.add(call);
        return call;
      });

  @Test
  void itemsGoOutAloneUntilCallsAreInFlightThenTogetherWithinTheByteLimit() {
    CompletableFuture<String> a = batcher.submit("a");
    batcher.submit("b");
    CompletableFuture<String> c = batcher.submit("cccc");
    CompletableFuture<String> d = batcher.submit("dddd");
    batcher.submit("eeee");
    assertThat(sent).as("two calls in flight at most").containsExactly(List.of("a"), List.of("b"));

    calls.get(0).complete(List.of("A"));
    assertThat(a).isCompletedWithValue("A");
    assertThat(sent.get(2)).as("up to 10 bytes").containsExactly("cccc", "dddd");

    calls.get(2).complete(List.of("C", "D"));
    assertThat(c).isCompletedWithValue("C");
    assertThat(d).isCompletedWithValue("D");
    assertThat(sent.get(3)).containsExactly("eeee");
  }

  @Test
  void aFailedCallFailsEveryItemItCarriedAndTheQueueMovesOn() {
    CompletableFuture<String> a = batcher.submit("a");
    batcher.submit("b");
    CompletableFuture<String> c = batcher.submit("c");
    calls.get(0).completeExceptionally(new RuntimeException("connection refused"));
    assertThat(a).isCompletedExceptionally();
    assertThat(sent.get(2)).as("c went out once a slot was free").containsExactly("c");
    calls.get(2).complete(List.of("C"));
    assertThat(c).isCompletedWithValue("C");
  }

  @Test
  void anItemLargerThanTheLimitStillGoesAlone() {
    batcher.submit("x".repeat(50));
    assertThat(sent).containsExactly(List.of("x".repeat(50)));
  }
}

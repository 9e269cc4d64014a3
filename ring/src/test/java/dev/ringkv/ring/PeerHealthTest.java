package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PeerHealthTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final PeerHealth health = new PeerHealth(now::get, 500, 4_000, 300);

  @Test
  void aFailedPeerIsTriedLastUntilItsSuspicionEndsThenOneRequestProbesIt() {
    health.failed("b");
    assertThat(health.healthyFirst(List.of("a", "b", "c"), Function.identity()))
        .containsExactly("a", "c", "b");
    now.addAndGet(500);
    assertThat(health.healthyFirst(List.of("a", "b", "c"), Function.identity()))
        .as("the probe: b in its turn").containsExactly("a", "b", "c");
    assertThat(health.isSuspect("b")).as("everyone else still avoids b").isTrue();
    now.addAndGet(300);
    assertThat(health.isSuspect("b")).as("the probe went unanswered: another may probe")
        .isFalse();
    health.succeeded("b");
    assertThat(health.isSuspect("b")).isFalse();
    assertThat(health.isSuspect("b")).isFalse();
  }

  @Test
  void failuresInARowDoubleTheSuspicionUpToItsBoundAndOneSuccessClearsIt() {
    for (int i = 0; i < 10; i++) {
      health.failed("b");
    }
    now.addAndGet(3_999);
    assertThat(health.isSuspect("b")).isTrue();
    now.addAndGet(1);
    assertThat(health.isSuspect("b")).as("the probe").isFalse();
    health.failed("b"); // the probe failed
    assertThat(health.isSuspect("b")).isTrue();
    health.succeeded("b");
    assertThat(health.isSuspect("b")).isFalse();
    health.failed("b");
    now.addAndGet(499);
    assertThat(health.isSuspect("b")).as("a success started the count afresh").isTrue();
    now.addAndGet(1);
    assertThat(health.isSuspect("b")).isFalse();
  }
}

package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpeculativeDelayTest {

  @Test
  void followsTwiceTheRecentP99WithinItsBounds() {
    SpeculativeDelay delay = new SpeculativeDelay(10, 250);
    assertThat(delay.delayMs()).as("before any answer: the floor").isEqualTo(10);
    for (int i = 0; i < 256; i++) {
      delay.answeredAfter((i < 250 ? 2 : 40) * 1_000_000L); // p99 = 40 ms
    }
    assertThat(delay.delayMs()).isEqualTo(80);
    for (int i = 0; i < 256; i++) {
      delay.answeredAfter(900 * 1_000_000L);
    }
    assertThat(delay.delayMs()).as("a hung peer costs at most the ceiling").isEqualTo(250);
    for (int i = 0; i < 256; i++) {
      delay.answeredAfter(1_000_000L);
    }
    assertThat(delay.delayMs()).isEqualTo(10);
  }
}

package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
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

  @Test
  void theKthLargestIsWhatSortingFinds() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int round = 0; round < 1_000; round++) {
      int count = 1 + random.nextInt(256);
      long[] values = new long[256];
      for (int i = 0; i < count; i++) {
        values[i] = random.nextInt(4) == 0 ? 7 : random.nextInt(1_000); // with repeats
      }
      int k = 1 + random.nextInt(count);
      long[] sorted = Arrays.copyOf(values, count);
      Arrays.sort(sorted);
      assertThat(SpeculativeDelay.largest(values, count, k))
          .as("seed %d, count %d, k %d", seed, count, k).isEqualTo(sorted[count - k]);
    }
  }
}

package dev.ringkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WarmUpTest {

  @Test
  void aRisingRateIsNotWarmEvenWhenTwoWindowsAgree() {
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {9_000, 12_000, 13_000, 20_000, 19_000, 48_000}) {
      record(warmUp, rate);
    }
    assertThat(warmUp.done()).isFalse();
  }

  @Test
  void aSlowClimbIsNotWarmThoughEveryThreeNeighbouringWindowsAreClose() {
    // A 7-node rep 3 warm-up: each three neighbours pass as steady, the rate still rises by a
    // third in 20 s (measured at 9.8k after it; 32k after a warm-up that waited).
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {3_557, 3_837, 4_345, 4_540, 4_934, 5_280, 6_221, 5_912,
        6_189, 6_500, 6_800}) {
      record(warmUp, rate);
      assertThat(warmUp.done()).as("at %.0f ops/s", rate).isFalse();
    }
  }

  @Test
  void aPlateauIsWarmOnceASpanOfItRunsNoFasterThanTheSpanBefore() {
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {48_000, 70_000, 73_000, 67_000, 71_000, 69_000, 72_000,
        70_000}) {
      record(warmUp, rate);
    }
    assertThat(warmUp.done()).as("the last span 9% above the first").isFalse();
    record(warmUp, 70_000);
    assertThat(warmUp.done()).as("70.25k against 70.25k").isTrue();
  }

  @Test
  void windowsFarApartAreNotWarmEvenWhenTheRateHasStoppedClimbing() {
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {70_000, 70_000, 70_000, 70_000, 70_000, 70_000, 50_000,
        70_000}) {
      record(warmUp, rate);
    }
    assertThat(warmUp.done()).isFalse();
  }

  @Test
  void steadyWindowsWaitForTheMinimumOpsAndTime() {
    WarmUp shortOfTime = new WarmUp(0, 60, 600);
    WarmUp shortOfOps = new WarmUp(1_000_000, 0, 600);
    WarmUp noMinimum = new WarmUp(0, 0, 600);
    for (int i = 0; i < 2 * WarmUp.SPAN; i++) {
      shortOfTime.record(50_000, 5);
      shortOfOps.record(50_000, 5);
      noMinimum.record(50_000, 5);
    }
    assertThat(shortOfTime.done()).isFalse();
    assertThat(shortOfOps.done()).isFalse();
    assertThat(noMinimum.done()).isTrue();
  }

  @Test
  void theMaximumTimeEndsAWarmUpThatNeverSettles() {
    WarmUp warmUp = new WarmUp(0, 0, 20);
    double rate = 1_000;
    for (int i = 0; i < 3; i++) {
      warmUp.record((long) rate * 5, 5);
      rate *= 2;
    }
    assertThat(warmUp.done()).isFalse();
    warmUp.record((long) rate * 5, 5);
    assertThat(warmUp.done()).isTrue();
  }

  private static void record(WarmUp warmUp, double rate) {
    warmUp.record((long) (rate * 5), 5);
  }
}

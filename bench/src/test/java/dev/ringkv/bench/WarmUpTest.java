package dev.ringkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WarmUpTest {

  @Test
  void aRisingRateIsNotWarmEvenWhenTwoWindowsAgree() {
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {9_000, 12_000, 13_000, 20_000, 19_000, 48_000}) {
      warmUp.record((long) (rate * 5), 5);
    }
    assertThat(warmUp.done()).isFalse();
  }

  @Test
  void threeWindowsCloseTogetherButStillClimbingAreNotWarmUntilTheClimbStops() {
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {4_700, 4_700, 5_500, 7_000, 7_400, 7_900}) {
      warmUp.record((long) (rate * 5), 5);
      assertThat(warmUp.done()).as("at %.0f ops/s", rate).isFalse();
    }
    warmUp.record(7_700 * 5, 5);
    assertThat(warmUp.done()).as("7,400, 7,900, 7,700: settled").isTrue();
  }

  @Test
  void threeWindowsWithinTenPercentOfTheirMeanAreWarm() {
    WarmUp warmUp = new WarmUp(0, 0, 600);
    for (double rate : new double[] {48_000, 70_000, 73_000, 67_000}) {
      warmUp.record((long) (rate * 5), 5);
    }
    assertThat(warmUp.done()).isTrue();
  }

  @Test
  void steadyWindowsWaitForTheMinimumOpsAndTime() {
    WarmUp shortOfTime = new WarmUp(0, 30, 600);
    WarmUp shortOfOps = new WarmUp(1_000_000, 0, 600);
    for (int i = 0; i < 3; i++) {
      shortOfTime.record(50_000, 5);
      shortOfOps.record(50_000, 5);
    }
    assertThat(shortOfTime.done()).isFalse();
    assertThat(shortOfOps.done()).isFalse();
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
}

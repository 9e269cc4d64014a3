package dev.ringkv.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void transientStatusesAreRetried() {
    assertThat(RetryPolicy.isRetryable(Status.UNAVAILABLE)).isTrue();
    assertThat(RetryPolicy.isRetryable(Status.DEADLINE_EXCEEDED)).isTrue();
    assertThat(RetryPolicy.isRetryable(Status.RESOURCE_EXHAUSTED)).isTrue();
    assertThat(RetryPolicy.isRetryable(Status.FAILED_PRECONDITION)).isTrue();
  }

  @Test
  void verdictsOfTheServerAreFinal() {
    assertThat(RetryPolicy.isRetryable(Status.UNKNOWN.withDescription("handler threw"))).isFalse();
    assertThat(RetryPolicy.isRetryable(Status.INVALID_ARGUMENT)).isFalse();
    assertThat(RetryPolicy.isRetryable(Status.UNAUTHENTICATED)).isFalse();
    assertThat(RetryPolicy.isRetryable(Status.INTERNAL)).isFalse();
  }

  @Test
  void anOverloadedNodeIsRetriedWithoutAskingTheManagerForATable() {
    assertThat(RetryPolicy.mayNeedNewTable(Status.RESOURCE_EXHAUSTED)).isFalse();
    assertThat(RetryPolicy.mayNeedNewTable(Status.UNAVAILABLE)).isTrue();
    assertThat(RetryPolicy.mayNeedNewTable(Status.FAILED_PRECONDITION)).isTrue();
  }

  @Test
  void backoffDoublesFrom25MsToAtMost500MsPlusUnder10MsOfJitter() {
    RetryPolicy policy = new RetryPolicy(1_000, 10_000, new Random(7));
    long[] bases = {25, 50, 100, 200, 400, 500, 500, 500};
    for (int attempt = 0; attempt < bases.length; attempt++) {
      assertThat(policy.backoffMs(attempt)).as("attempt %d", attempt)
          .isBetween(bases[attempt], bases[attempt] + RetryPolicy.MAX_JITTER_MS - 1);
    }
    assertThat(policy.backoffMs(Integer.MAX_VALUE)).isLessThan(510);
  }
}

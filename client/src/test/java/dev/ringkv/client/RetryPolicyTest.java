package dev.ringkv.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void transientStatusesAreRetried() {
    assertThat(KvClient.isRetryable(Status.UNAVAILABLE)).isTrue();
    assertThat(KvClient.isRetryable(Status.DEADLINE_EXCEEDED)).isTrue();
    assertThat(KvClient.isRetryable(Status.RESOURCE_EXHAUSTED)).isTrue();
    assertThat(KvClient.isRetryable(Status.FAILED_PRECONDITION)).isTrue();
  }

  @Test
  void verdictsOfTheServerAreFinal() {
    assertThat(KvClient.isRetryable(Status.UNKNOWN.withDescription("handler threw"))).isFalse();
    assertThat(KvClient.isRetryable(Status.INVALID_ARGUMENT)).isFalse();
    assertThat(KvClient.isRetryable(Status.UNAUTHENTICATED)).isFalse();
    assertThat(KvClient.isRetryable(Status.INTERNAL)).isFalse();
  }
}

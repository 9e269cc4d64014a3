package dev.ringkv.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RetrierTest {

  @Test
  void transientStatusesAreRetried() {
    assertThat(Retrier.isRetryable(Status.UNAVAILABLE)).isTrue();
    assertThat(Retrier.isRetryable(Status.DEADLINE_EXCEEDED)).isTrue();
    assertThat(Retrier.isRetryable(Status.RESOURCE_EXHAUSTED)).isTrue();
    assertThat(Retrier.isRetryable(Status.FAILED_PRECONDITION)).isTrue();
  }

  @Test
  void verdictsOfTheServerAreFinal() {
    assertThat(Retrier.isRetryable(Status.UNKNOWN.withDescription("handler threw"))).isFalse();
    assertThat(Retrier.isRetryable(Status.INVALID_ARGUMENT)).isFalse();
    assertThat(Retrier.isRetryable(Status.UNAUTHENTICATED)).isFalse();
    assertThat(Retrier.isRetryable(Status.INTERNAL)).isFalse();
  }
}

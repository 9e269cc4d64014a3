package dev.ringkv.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void aConnectionBrokenUnderACallIsRetriedOnAnotherNode() {
    // What grpc-netty reports when the peer's socket resets under a call (the node was killed).
    Throwable reset = new ClosedChannelException().initCause(
        new IOException("Connection reset by peer"));
    assertThat(KvClient.isRetryable(Status.UNKNOWN.withDescription("channel closed")
        .withCause(reset))).isTrue();
  }

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

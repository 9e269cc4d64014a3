package dev.ringkv.client;

import io.grpc.Status;
import java.util.Random;

/**
 * When a failed request is tried again, how long it waits first, and whether the table is
 * refreshed before it: the rules {@link Retrier} follows, apart from the network.
 *
 * @param attemptTimeoutMs how long one node is given to answer
 * @param deadlineMs how long a request may take over all its attempts
 * @param jitter spreads the retries of many clients that failed together
 */
record RetryPolicy(long attemptTimeoutMs, long deadlineMs, Random jitter) {

  static final long FIRST_BACKOFF_MS = 25;
  static final long MAX_BACKOFF_MS = 500;
  static final long MAX_JITTER_MS = 10;

  /** The wait before the attempt after {@code attempt} failed ones: doubling, capped, jittered. */
  long backoffMs(int attempt) {
    return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(attempt, 5))
        + jitter.nextLong(MAX_JITTER_MS);
  }

  /** Whether a request that failed with {@code status} may be tried again elsewhere. */
  static boolean isRetryable(Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, FAILED_PRECONDITION -> true;
      default -> false;
    };
  }

  /**
   * Whether a failure hints that the client's table is out of date, so that it is refreshed
   * before the retry. An overloaded node ({@code RESOURCE_EXHAUSTED}) says nothing about the
   * table, and refreshing then would add the manager to the overload.
   */
  static boolean mayNeedNewTable(Status status) {
    return status.getCode() != Status.Code.RESOURCE_EXHAUSTED;
  }

  /** A failure that says the node is dead, hung or unreachable, rather than the request bad. */
  static boolean isNodeTrouble(Status status) {
    return status.getCode() == Status.Code.UNAVAILABLE
        || status.getCode() == Status.Code.DEADLINE_EXCEEDED;
  }
}

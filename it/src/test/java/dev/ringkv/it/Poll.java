package dev.ringkv.it;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition by polling it, with a deadline. */
final class Poll {

  private Poll() {}

  /** Returns the first non-null value of {@code probe}; fails with {@code what} after timeout. */
  static <T> T until(Duration timeout, String what, Supplier<T> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  /** Waits until {@code condition} holds. */
  static void untilTrue(Duration timeout, String what, Supplier<Boolean> condition) {
    until(timeout, what, () -> condition.get() ? Boolean.TRUE : null);
  }
}

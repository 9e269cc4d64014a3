package dev.ringkv.client;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Races several attempts at one request: completes with the first to succeed, or fails with the
 * first failure once every attempt added has failed. An attempt added after the race is decided
 * is not started.
 */
final class FirstSuccess<T> {

  private final CompletableFuture<T> result = new CompletableFuture<>();
  private int running;
  private Throwable firstFailure;

  /** Whether the race is decided: another attempt would be wasted. */
  boolean isDone() {
    return result.isDone();
  }

  /** Adds the attempt {@code start} makes, unless the race is already decided. */
  void add(Supplier<CompletableFuture<T>> start) {
    synchronized (this) {
      if (result.isDone()) {
        return;
      }
      running++;
    }
    start.get().whenComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
        return;
      }
      Throwable failure;
      synchronized (this) {
        running--;
        if (firstFailure == null) {
          firstFailure = error;
        }
        failure = running == 0 ? firstFailure : null;
      }
      if (failure != null) {
        result.completeExceptionally(failure);
      }
    });
  }

  CompletableFuture<T> result() {
    return result;
  }
}

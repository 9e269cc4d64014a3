package dev.ringkv.storage.coordinator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Collects the answers of one fan-out. {@link #reached()} completes as soon as {@code needed}
 * replicas succeeded with an answer that counts, or fails once so many failed (or answered
 * without counting) that {@code needed} cannot be reached. Every successful answer is kept,
 * counted or not.
 */
final class Quorum<T> {

  /** One replica's successful answer. */
  record Answer<T>(String nodeId, T value) {}

  private final int needed;
  private final int total;
  private final String operation;
  private final List<Answer<T>> successes = new ArrayList<>();
  private int counted;
  private final Map<String, String> failures = new LinkedHashMap<>();
  private final CompletableFuture<List<Answer<T>>> reached = new CompletableFuture<>();

  Quorum(int needed, int total, String operation) {
    this.needed = needed;
    this.total = total;
    this.operation = operation;
  }

  synchronized void succeed(String nodeId, T value) {
    succeed(nodeId, value, true);
  }

  /** Records an answer; only one that {@code counts} moves the quorum forward. */
  synchronized void succeed(String nodeId, T value, boolean counts) {
    successes.add(new Answer<>(nodeId, value));
    if (counts) {
      counted++;
      if (counted == needed) {
        reached.complete(List.copyOf(successes));
      }
    } else {
      failures.put(nodeId, "still catching up on this key's range");
      failIfUnreachable();
    }
  }

  synchronized void fail(String nodeId, Throwable cause) {
    failures.put(nodeId, describe(cause));
    failIfUnreachable();
  }

  private void failIfUnreachable() {
    if (total - failures.size() < needed && !reached.isDone()) {
      reached.completeExceptionally(new UnavailableException(operation + " needs " + needed
          + " of " + total + " replicas, and " + failures.size() + " cannot answer ("
          + String.join("; ", failures.entrySet().stream()
              .map(e -> e.getKey() + ": " + e.getValue()).toList()) + ")"));
    }
  }

  int needed() {
    return needed;
  }

  CompletableFuture<List<Answer<T>>> reached() {
    return reached;
  }

  private static String describe(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null
        && (root.getMessage() == null || root instanceof CompletionException)) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}

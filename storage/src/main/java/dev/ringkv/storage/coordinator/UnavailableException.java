package dev.ringkv.storage.coordinator;

/** Too few replicas answered to satisfy the consistency level. Retryable. */
public final class UnavailableException extends RuntimeException {
  public UnavailableException(String message) {
    super(message, null, false, false);
  }
}

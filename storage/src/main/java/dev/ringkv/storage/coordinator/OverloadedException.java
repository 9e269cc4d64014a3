package dev.ringkv.storage.coordinator;

/** A request this node has no room to serve now; the caller retries with backoff. */
public final class OverloadedException extends RuntimeException {

  public OverloadedException(String message) {
    super(message);
  }
}

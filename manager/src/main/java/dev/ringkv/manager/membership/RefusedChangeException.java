package dev.ringkv.manager.membership;

/**
 * A membership change the manager refuses (a registration, a heartbeat, an operator's removal);
 * the message says why in one sentence.
 */
public final class RefusedChangeException extends RuntimeException {
  public RefusedChangeException(String message) {
    super(message);
  }
}

package dev.ringkv.manager.membership;

/** A registration or heartbeat the manager refuses; the message says why in one sentence. */
public final class RefusedRegistrationException extends RuntimeException {
  public RefusedRegistrationException(String message) {
    super(message);
  }
}

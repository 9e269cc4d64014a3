package dev.ringkv.client;

/** A request failed for good: after retries, or for a reason retrying cannot fix. */
public final class KvException extends RuntimeException {

  /** Why the request failed; each maps to one exit code of the command-line client. */
  public enum Reason {
    /** The request itself is bad (empty or oversize key or value, ...); nothing was written. */
    INVALID_ARGUMENT,
    /** Too few replicas answered before the deadline; the write may or may not have happened. */
    UNAVAILABLE,
    /** The overall deadline passed while a node still had not answered. */
    DEADLINE_EXCEEDED,
    /** Neither the manager nor any known storage node could be reached for a ring table. */
    NO_CLUSTER,
    /** The caller is not allowed to make this request. */
    UNAUTHENTICATED,
    /** A server failed in a way that is not the caller's fault. */
    INTERNAL
  }

  private final Reason reason;

  public KvException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

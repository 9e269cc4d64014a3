package dev.ringkv.storage.coordinator;

/**
 * A record refused because it is older than half the tombstone grace and this replica does not
 * hold its key: it may be the value of a key whose delete was purged (see {@code TombstoneGrace}).
 */
public final class PastHorizonException extends RuntimeException {

  public PastHorizonException(String message) {
    super(message);
  }
}

package dev.ringkv.storage.engine;

/** The local store failed: disk, corruption, or a store that is closed. */
public final class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}

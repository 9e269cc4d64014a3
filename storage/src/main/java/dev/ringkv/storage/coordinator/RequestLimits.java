package dev.ringkv.storage.coordinator;

import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;

/** The limits a node enforces on client input, with messages that name the limit. */
public record RequestLimits(int maxKeyBytes, int maxValueBytes) {

  public static final int DEFAULT_MAX_KEY_BYTES = 1024;
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
  private static final int MAX_WRITER_ID_CHARS = 64;

  public RequestLimits {
    if (maxKeyBytes < 1) {
      throw new IllegalArgumentException("max key size must be at least 1 byte, got " + maxKeyBytes);
    }
    if (maxValueBytes < 0) {
      throw new IllegalArgumentException("max value size must not be negative, got " + maxValueBytes);
    }
  }

  /** @throws IllegalArgumentException if the key is empty or too long */
  public void checkKey(String key) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxKeyBytes) {
      throw new IllegalArgumentException(
          "key is " + bytes + " bytes, over the limit of " + maxKeyBytes + " bytes");
    }
  }

  /**
   * Checks a version stamped elsewhere: a far-future version would win over every later write
   * of the key, so its time may be at most {@link HybridClock#MAX_DRIFT_MS} ahead of
   * {@code nowMs}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public void checkVersion(Version version, long nowMs) {
    if (version.physicalMs() <= 0) {
      throw new IllegalArgumentException(
          "version time must be positive, got " + version.physicalMs());
    }
    if (version.physicalMs() > nowMs + HybridClock.MAX_DRIFT_MS) {
      throw new IllegalArgumentException("version time " + version.physicalMs() + " is "
          + (version.physicalMs() - nowMs) + " ms ahead of this node's clock (at most "
          + HybridClock.MAX_DRIFT_MS + " ms allowed): is the writer's clock set right?");
    }
    if (version.nodeId().isEmpty() || version.nodeId().length() > MAX_WRITER_ID_CHARS) {
      throw new IllegalArgumentException("version writer id must be 1-" + MAX_WRITER_ID_CHARS
          + " characters, got " + version.nodeId().length());
    }
  }

  /**
   * Checks a record a peer sends: its key, value and version, as for a client's write.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public void checkRecord(String key, Record record, long nowMs) {
    checkKey(key);
    checkValue(record.isTombstone() ? 0 : record.value().length);
    checkVersion(record.version(), nowMs);
  }

  /** @throws IllegalArgumentException if the value is too large */
  public void checkValue(int valueBytes) {
    if (valueBytes > maxValueBytes) {
      throw new IllegalArgumentException(
          "value is " + valueBytes + " bytes, over the limit of " + maxValueBytes + " bytes");
    }
  }
}

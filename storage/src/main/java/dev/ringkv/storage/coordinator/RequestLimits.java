package dev.ringkv.storage.coordinator;

import java.nio.charset.StandardCharsets;

/** The size limits a node enforces on client input, with messages that name the limit. */
public record RequestLimits(int maxKeyBytes, int maxValueBytes) {

  public static final int DEFAULT_MAX_KEY_BYTES = 1024;
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

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

  /** @throws IllegalArgumentException if the value is too large */
  public void checkValue(int valueBytes) {
    if (valueBytes > maxValueBytes) {
      throw new IllegalArgumentException(
          "value is " + valueBytes + " bytes, over the limit of " + maxValueBytes + " bytes");
    }
  }
}

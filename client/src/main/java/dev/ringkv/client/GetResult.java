package dev.ringkv.client;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The answer to a read: the newest value among the replicas that answered, or no value if the
 * key does not exist (or was deleted); and the node that coordinated the read.
 */
public record GetResult(String key, byte[] valueBytes, String coordinator) {

  public boolean found() {
    return valueBytes != null;
  }

  /** The value decoded as UTF-8, if the key exists. */
  public Optional<String> value() {
    return found() ? Optional.of(new String(valueBytes, StandardCharsets.UTF_8)) : Optional.empty();
  }
}

package dev.ringkv.manager.server;

import dev.ringkv.security.TlsFiles;
import java.nio.file.Path;

/**
 * Everything a manager process is configured with, checked once at start-up. {@code tls} and
 * {@code token} may be null: plaintext, and no token asked of clients.
 */
public record ManagerConfig(
    String host,
    int port,
    Path dataDir,
    int replicationFactor,
    int tokensPerNode,
    long failureTimeoutMs,
    long detectorIntervalMs,
    TlsFiles tls,
    String token) {

  public ManagerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    if (replicationFactor < 1 || replicationFactor > 15) {
      throw new IllegalArgumentException("replication factor must be 1-15, got " + replicationFactor);
    }
    if (tokensPerNode < 1 || tokensPerNode > 4096) {
      throw new IllegalArgumentException("tokens per node must be 1-4096, got " + tokensPerNode);
    }
    if (failureTimeoutMs < 100) {
      throw new IllegalArgumentException(
          "failure timeout must be at least 100 ms, got " + failureTimeoutMs);
    }
    if (detectorIntervalMs < 10 || detectorIntervalMs > failureTimeoutMs) {
      throw new IllegalArgumentException("failure detector interval must be 10 ms to the failure "
          + "timeout (" + failureTimeoutMs + " ms), got " + detectorIntervalMs);
    }
  }
}

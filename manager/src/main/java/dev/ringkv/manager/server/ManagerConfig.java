package dev.ringkv.manager.server;

import dev.ringkv.manager.membership.JoinPolicy;
import dev.ringkv.security.TlsFiles;
import java.nio.file.Path;

/**
 * Everything a manager process is configured with, checked once at start-up. {@code tls},
 * {@code token} and {@code clusterSecret} may be null: plaintext, no token asked of clients, and
 * (without TLS) no identity asked of nodes.
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
    String token,
    String clusterSecret,
    JoinPolicy joins,
    int metricsPort) {

  public ManagerConfig {
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port must be 0-65535, or -1 for none, got "
          + metricsPort);
    }
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
    if (token != null && tls == null && clusterSecret == null) {
      throw new IllegalArgumentException("a client token without --tls needs "
          + "--cluster-secret-file too: otherwise anyone could register as a node and be sent "
          + "the clients' tokens and values");
    }
    if (detectorIntervalMs < 10 || detectorIntervalMs > failureTimeoutMs) {
      throw new IllegalArgumentException("failure detector interval must be 10 ms to the failure "
          + "timeout (" + failureTimeoutMs + " ms), got " + detectorIntervalMs);
    }
  }
}

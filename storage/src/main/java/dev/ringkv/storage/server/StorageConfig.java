package dev.ringkv.storage.server;

import dev.ringkv.ring.Names;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.wire.InFlightBudget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Everything a storage node is configured with, checked once at start-up. {@code tls},
 * {@code token} and {@code clusterSecret} may be null: plaintext, no token asked of clients, and
 * (without TLS) no identity asked of peers.
 */
public record StorageConfig(
    String nodeId,
    String host,
    int port,
    Path dataDir,
    String managerAddress,
    long heartbeatIntervalMs,
    long replicaTimeoutMs,
    long hintIntervalMs,
    long syncIntervalMs,
    RequestLimits limits,
    int maxInFlightRequests,
    long maxInFlightBytes,
    TlsFiles tls,
    String token,
    String clusterSecret,
    int metricsPort,
    String replaces,
    Duration tombstoneGrace,
    long recordCacheBytes) {

  /** The managers' addresses, as {@code managerAddress} lists them (comma-separated). */
  public List<String> managerAddresses() {
    return managerAddresses(managerAddress);
  }

  private static List<String> managerAddresses(String list) {
    return Arrays.stream(list.split(",", -1)).map(String::trim).toList();
  }

  public StorageConfig {
    if (recordCacheBytes < 0) {
      throw new IllegalArgumentException("the record cache must be 0 bytes or more, got "
          + recordCacheBytes);
    }
    if (tombstoneGrace.isNegative() || tombstoneGrace.isZero()) {
      throw new IllegalArgumentException("the tombstone grace must be positive, got "
          + tombstoneGrace);
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port must be 0-65535, or -1 for none, got "
          + metricsPort);
    }
    Names.checkNodeId(nodeId);
    if (AccessPolicy.RESERVED_IDS.contains(nodeId)) {
      throw new IllegalArgumentException("node id '" + nodeId
          + "' is reserved for the cluster's own tools");
    }
    if (token != null && tls == null && clusterSecret == null) {
      throw new IllegalArgumentException("a client token without --tls needs "
          + "--cluster-secret-file too: otherwise anyone could pose as a peer and write or "
          + "read any key");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    if (managerAddresses(managerAddress).isEmpty()) {
      throw new IllegalArgumentException("no manager address given");
    }
    managerAddresses(managerAddress).forEach(a -> Names.checkAddress("manager address", a));
    if (heartbeatIntervalMs < 10 || heartbeatIntervalMs > 10_000) {
      throw new IllegalArgumentException(
          "heartbeat interval must be 10-10000 ms, got " + heartbeatIntervalMs);
    }
    if (tombstoneGrace.toMillis() < 10 * heartbeatIntervalMs) {
      // Half the grace bounds how long a node may be away and still be taken back, and a gap
      // that long between two beats is taken for a pause: it must span several beats.
      throw new IllegalArgumentException("the tombstone grace must be at least 10 heartbeat "
          + "intervals (" + 10 * heartbeatIntervalMs + " ms), got " + tombstoneGrace.toMillis()
          + " ms");
    }
    if (replicaTimeoutMs < 10) {
      throw new IllegalArgumentException(
          "replica timeout must be at least 10 ms, got " + replicaTimeoutMs);
    }
    if (syncIntervalMs < 10) {
      throw new IllegalArgumentException(
          "range sync interval must be at least 10 ms, got " + syncIntervalMs);
    }
    if (maxInFlightRequests < 1) {
      throw new IllegalArgumentException(
          "max in-flight requests must be at least 1, got " + maxInFlightRequests);
    }
    long largestRequest = limits.maxValueBytes() + limits.maxKeyBytes();
    if (InFlightBudget.maxAdmitBytes(maxInFlightBytes) < largestRequest) {
      throw new IllegalArgumentException("max in-flight bytes (" + maxInFlightBytes
          + ") must hold at least one largest request (" + largestRequest + " bytes) in the "
          + "three quarters that new requests may take");
    }
    if (hintIntervalMs < 10) {
      throw new IllegalArgumentException(
          "hint delivery interval must be at least 10 ms, got " + hintIntervalMs);
    }
  }

  /** Largest gRPC message a node accepts: the largest value plus room for key and framing. */
  public int maxMessageBytes() {
    return limits.maxValueBytes() + limits.maxKeyBytes() + 64 * 1024;
  }
}

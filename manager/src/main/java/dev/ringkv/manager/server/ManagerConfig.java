package dev.ringkv.manager.server;

import dev.ringkv.manager.membership.JoinPolicy;
import dev.ringkv.manager.replication.GroupMember;
import dev.ringkv.security.TlsFiles;
import java.nio.file.Path;
import java.util.List;

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
    int metricsPort,
    Replication replication) {

  /**
   * The managers' group: this manager's id, every member (this one included) and the election
   * timeout.
   */
  public record Replication(String id, List<GroupMember> members, long electionTimeoutMs) {

    public static final long DEFAULT_ELECTION_TIMEOUT_MS = 1_000;

    public Replication {
      members = List.copyOf(members);
      if (members.stream().noneMatch(m -> m.id().equals(id))) {
        throw new IllegalArgumentException("the managers " + members.stream()
            .map(GroupMember::id).toList() + " do not include this manager, " + id);
      }
      if (electionTimeoutMs < 100 || electionTimeoutMs > 60_000) {
        throw new IllegalArgumentException("election timeout must be 100-60000 ms, got "
            + electionTimeoutMs);
      }
    }

    /** A group of one: this manager alone, at {@code host:port}. */
    public static Replication alone(String id, String host, int port) {
      return new Replication(id, List.of(GroupMember.of(id, host, port)),
          DEFAULT_ELECTION_TIMEOUT_MS);
    }
  }

  public ManagerConfig {
    GroupMember self = replication.members().stream()
        .filter(m -> m.id().equals(replication.id())).findFirst().orElseThrow();
    if (self.port() != port) {
      throw new IllegalArgumentException("manager " + self.id() + " listens on port " + port
          + ", but the managers' group gives it " + self.address());
    }
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

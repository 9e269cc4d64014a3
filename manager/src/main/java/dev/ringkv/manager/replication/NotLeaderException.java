package dev.ringkv.manager.replication;

import java.util.Optional;

/** A change asked of a manager that does not lead the group; names the leader if it knows it. */
public final class NotLeaderException extends RuntimeException {

  private final transient Optional<String> leaderAddress;

  public NotLeaderException(String message, Optional<String> leaderAddress) {
    super(message);
    this.leaderAddress = leaderAddress;
  }

  /** Where the leader serves nodes and clients, if known. */
  public Optional<String> leaderAddress() {
    return leaderAddress;
  }
}

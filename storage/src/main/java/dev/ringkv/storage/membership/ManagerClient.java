package dev.ringkv.storage.membership;

import dev.ringkv.ring.RingTable;
import java.util.Optional;

/** The node's calls to the manager. Failures surface as runtime exceptions. */
public interface ManagerClient {

  /**
   * Joins (or rejoins) the cluster, as the replacement of the DOWN node {@code replaces} if not
   * null; returns the table that includes this node.
   */
  RingTable register(String nodeId, String address, String replaces);

  /** The manager's current table, asking nothing of it (this node stays as it is). */
  RingTable table();

  /**
   * Reports this node alive.
   *
   * @return a newer table than {@code knownEpoch}, if the manager has one
   * @throws NotRegisteredException if the manager does not know this node
   */
  Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch);

  /**
   * Connects again at the next call instead of waiting out a reconnect backoff: after a manager
   * restart the node must be heard from within one failure timeout, which a backoff grown while
   * the manager was away would exceed.
   */
  void reconnectNow();

  /** The manager no longer knows this node and it must register again. */
  final class NotRegisteredException extends RuntimeException {
    public NotRegisteredException(String message) {
      super(message);
    }
  }
}

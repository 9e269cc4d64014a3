package dev.ringkv.storage.membership;

import dev.ringkv.ring.RingTable;
import java.time.Duration;
import java.util.Optional;

/**
 * The node's calls to the manager. Failures surface as runtime exceptions. Both calls say how
 * long the node may have been DOWN and still be taken back with what it holds
 * ({@link #NO_LIMIT}: however long); the manager refuses it past that.
 */
public interface ManagerClient {

  /** A {@code maxDown} that lets the manager take the node back however long it was DOWN. */
  Duration NO_LIMIT = Duration.ZERO;

  /**
   * Joins (or rejoins) the cluster, as the replacement of the DOWN node {@code replaces} if not
   * null; returns the table that includes this node.
   *
   * @throws AwayTooLongException if the node was DOWN for longer than {@code maxDown}
   */
  RingTable register(String nodeId, String address, String replaces, Duration maxDown);

  /**
   * Reports this node alive.
   *
   * @return a newer table than {@code knownEpoch}, if the manager has one
   * @throws NotRegisteredException if the manager does not know this node
   * @throws AwayTooLongException if the node was DOWN for longer than {@code maxDown}
   */
  Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch, Duration maxDown);

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

  /** The manager refused to take the node back: it was DOWN for longer than it allowed. */
  final class AwayTooLongException extends RuntimeException {
    private final Duration downFor;

    public AwayTooLongException(String message, Duration downFor) {
      super(message);
      this.downFor = downFor;
    }

    public Duration downFor() {
      return downFor;
    }
  }
}

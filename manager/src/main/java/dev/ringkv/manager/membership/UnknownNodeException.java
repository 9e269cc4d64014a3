package dev.ringkv.manager.membership;

/** A heartbeat or lookup named a node id that never registered. */
public final class UnknownNodeException extends RuntimeException {
  public UnknownNodeException(String nodeId) {
    super("node " + nodeId + " is not registered with this manager");
  }
}

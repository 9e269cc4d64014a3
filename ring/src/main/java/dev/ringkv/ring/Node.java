package dev.ringkv.ring;

import java.util.List;
import java.util.Objects;

/**
 * A storage node as the ring table knows it.
 *
 * @param id stable node id, such as {@code server3}
 * @param address {@code host:port} of the node's gRPC endpoint
 * @param state liveness as the manager last judged it
 * @param tokens the ring positions this node owns (virtual nodes)
 * @param incarnation how many times the manager has marked the node UP again after declaring it
 *     DOWN; a node that sees its own incarnation change knows it missed writes, even if it never
 *     saw the table that declared it DOWN
 * @param downSinceMs when the manager marked the node DOWN (its wall clock); 0 unless DOWN. A
 *     node DOWN for longer than the tombstone grace may hold keys whose deletes were purged.
 */
public record Node(String id, String address, NodeState state, List<Long> tokens,
    long incarnation, long downSinceMs) {

  public Node {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(state, "state");
    if (id.isBlank()) {
      throw new IllegalArgumentException("node id must not be blank");
    }
    if (address.isBlank()) {
      throw new IllegalArgumentException("node " + id + " has a blank address");
    }
    if (incarnation < 0) {
      throw new IllegalArgumentException(
          "node " + id + " has a negative incarnation: " + incarnation);
    }
    tokens = List.copyOf(tokens);
  }

  /** A node in its first incarnation. */
  public Node(String id, String address, NodeState state, List<Long> tokens) {
    this(id, address, state, tokens, 0);
  }

  /** A node not known to be DOWN since any time. */
  public Node(String id, String address, NodeState state, List<Long> tokens, long incarnation) {
    this(id, address, state, tokens, incarnation, 0);
  }

  public boolean isUp() {
    return state == NodeState.UP;
  }

  public Node withState(NodeState newState) {
    return new Node(id, address, newState, tokens, incarnation, downSinceMs);
  }

  /** This node marked DOWN at {@code nowMs}. */
  public Node markedDown(long nowMs) {
    return new Node(id, address, NodeState.DOWN, tokens, incarnation, nowMs);
  }

  public Node withAddress(String newAddress) {
    return new Node(id, newAddress, state, tokens, incarnation, downSinceMs);
  }

  /** This node UP again after it was DOWN: a new incarnation. */
  public Node revived() {
    return new Node(id, address, NodeState.UP, tokens, incarnation + 1);
  }
}

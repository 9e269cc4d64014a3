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
 */
public record Node(String id, String address, NodeState state, List<Long> tokens) {

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
    tokens = List.copyOf(tokens);
  }

  public boolean isUp() {
    return state == NodeState.UP;
  }

  public Node withState(NodeState newState) {
    return new Node(id, address, newState, tokens);
  }

  public Node withAddress(String newAddress) {
    return new Node(id, newAddress, state, tokens);
  }
}

package dev.ringkv.wire;

import dev.ringkv.proto.NodeEntry;
import dev.ringkv.proto.NodeStateProto;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.proto.TableRef;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import java.util.ArrayList;
import java.util.List;

/** Converts ring tables to and from their wire form. */
public final class TableCodec {

  private TableCodec() {}

  public static RingTableProto toProto(RingTable table) {
    RingTableProto.Builder b = RingTableProto.newBuilder()
        .setClusterId(table.clusterId())
        .setEpoch(table.epoch())
        .setReplicationFactor(table.replicationFactor());
    for (Node node : table.nodes()) {
      b.addNodes(NodeEntry.newBuilder()
          .setId(node.id())
          .setAddress(node.address())
          .setState(switch (node.state()) {
            case UP -> NodeStateProto.UP;
            case DOWN -> NodeStateProto.DOWN;
            case LEAVING -> NodeStateProto.LEAVING;
          })
          .addAllTokens(node.tokens())
          .setIncarnation(node.incarnation())
          .setDownSinceMs(node.downSinceMs()));
    }
    return b.build();
  }

  /** The reference a caller sends to say which table it routes with. */
  public static TableRef ref(RingTable table) {
    return TableRef.newBuilder().setClusterId(table.clusterId()).setEpoch(table.epoch()).build();
  }

  /**
   * Rebuilds a table from the wire.
   *
   * @throws IllegalArgumentException if the message does not describe a valid table
   */
  public static RingTable fromProto(RingTableProto proto) {
    List<Node> nodes = new ArrayList<>(proto.getNodesCount());
    for (NodeEntry e : proto.getNodesList()) {
      NodeState state = switch (e.getState()) {
        case UP -> NodeState.UP;
        case DOWN -> NodeState.DOWN;
        case LEAVING -> NodeState.LEAVING;
        default -> throw new IllegalArgumentException(
            "node " + e.getId() + " has no valid state: " + e.getState());
      };
      nodes.add(new Node(e.getId(), e.getAddress(), state, e.getTokensList(),
          e.getIncarnation(), Math.max(0, e.getDownSinceMs())));
    }
    return RingTable.of(
        proto.getClusterId(), proto.getEpoch(), proto.getReplicationFactor(), nodes);
  }
}

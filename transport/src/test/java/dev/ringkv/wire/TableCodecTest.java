package dev.ringkv.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableCodecTest {

  @Test
  void roundTripKeepsEveryField() {
    RingTable table = RingTable.of("cluster-x", 12, 3, List.of(
        new Node("server1", "127.0.0.1:5001", NodeState.UP, List.of(-5L, 100L)),
        new Node("server2", "127.0.0.1:5002", NodeState.DOWN, List.of(7L))));
    RingTable back = TableCodec.fromProto(TableCodec.toProto(table));
    assertThat(back.clusterId()).isEqualTo("cluster-x");
    assertThat(back.epoch()).isEqualTo(12);
    assertThat(back.replicationFactor()).isEqualTo(3);
    assertThat(back.nodes()).isEqualTo(table.nodes());
  }
}

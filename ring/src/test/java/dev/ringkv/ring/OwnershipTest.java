package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OwnershipTest {

  @Test
  void eachNodesShareIsTheShareOfKeysItIsAHomeReplicaOf() {
    Map<String, List<Long>> tokens = new LinkedHashMap<>();
    Random random = new Random(11);
    for (int n = 1; n <= 6; n++) {
      tokens.put("server" + n, List.of(random.nextLong(), random.nextLong(), random.nextLong()));
    }
    RingTable table = RingTable.of("c", 1, 3, tokens.entrySet().stream()
        .map(e -> new Node(e.getKey(), "h:1", NodeState.UP, e.getValue())).toList());
    Map<String, Integer> counts = new HashMap<>();
    int keys = 200_000;
    for (int i = 0; i < keys; i++) {
      table.homeReplicas(random.nextLong()).forEach(n -> counts.merge(n.id(), 1, Integer::sum));
    }
    Map<String, Double> held = Ownership.effective(tokens, 3);
    assertThat(held.values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(3.0, within(1e-9));
    held.forEach((node, share) -> assertThat((double) counts.get(node) / keys)
        .as("share of keys on %s", node).isCloseTo(share, within(0.01)));
  }

  @Test
  void withNoMoreNodesThanReplicasEveryNodeHoldsTheWholeRing() {
    Map<String, List<Long>> tokens = Map.of("a", List.of(1L, 5L), "b", List.of(9L));
    assertThat(Ownership.effective(tokens, 3)).containsEntry("a", 1.0).containsEntry("b", 1.0);
  }
}

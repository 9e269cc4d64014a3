package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenAllocatorTest {

  static RingTable ringOf(int nodeCount, int tokensPerNode, int rf) {
    Map<String, List<Long>> tokens = new LinkedHashMap<>();
    for (int i = 1; i <= nodeCount; i++) {
      tokens.put("server" + i, TokenAllocator.allocate(tokens, tokensPerNode, 0, rf));
    }
    return RingTable.of("c", 1, rf, tokens.entrySet().stream()
        .map(e -> new Node(e.getKey(), "127.0.0.1:" + (9000 + e.getKey().length()), NodeState.UP,
            e.getValue()))
        .toList());
  }

  @Test
  void hundredThousandRandomKeysOnSevenNodesLandWithinFivePercentOfTheMean() {
    RingTable table = ringOf(7, 128, 1);
    Map<String, Integer> counts = new HashMap<>();
    Random random = new Random(42);
    KeyHasher hasher = KeyHasher.murmur3();
    int keys = 100_000;
    for (int i = 0; i < keys; i++) {
      String key = "key-" + random.nextLong();
      counts.merge(table.homeReplicas(hasher.hash(key)).get(0).id(), 1, Integer::sum);
    }
    double mean = keys / 7.0;
    assertThat(counts).hasSize(7);
    counts.forEach((node, count) ->
        assertThat(count).as("keys on %s", node).isBetween((int) (mean * 0.95), (int) (mean * 1.05)));
  }

  @Test
  void replicasAreSpreadTooAtReplicationFactor3() {
    for (int nodes : new int[] {5, 7}) {
      RingTable table = ringOf(nodes, 128, 3);
      Map<String, Integer> counts = new HashMap<>();
      KeyHasher hasher = KeyHasher.murmur3();
      int keys = 100_000;
      for (int i = 0; i < keys; i++) {
        for (Node n : table.homeReplicas(hasher.hash("k" + i))) {
          counts.merge(n.id(), 1, Integer::sum);
        }
      }
      double mean = keys * 3.0 / nodes;
      counts.forEach((node, count) -> assertThat(count)
          .as("replicas on %s of %d nodes: %s", node, nodes, counts)
          .isBetween((int) (mean * 0.95), (int) (mean * 1.05)));
    }
  }

  @Test
  void effectiveOwnershipIsWithinFivePercentOfTheMeanForThreeToSixtyFourNodes() {
    for (int rf : new int[] {1, 3, 5}) {
      Map<String, List<Long>> tokens = new LinkedHashMap<>();
      for (int n = 1; n <= 64; n++) {
        tokens.put("server" + n, TokenAllocator.allocate(tokens, 128, 77L, rf));
        if (n >= 3) {
          assertWithinFivePercent(tokens, rf, n + " nodes");
        }
      }
    }
  }

  @Test
  void aJoinAfterARemovalEvensOwnershipOutAgain() {
    Map<String, List<Long>> tokens = new LinkedHashMap<>();
    for (int n = 1; n <= 16; n++) {
      tokens.put("server" + n, TokenAllocator.allocate(tokens, 128, 5L, 3));
    }
    tokens.remove("server4"); // its ranges' next replicas took them over
    tokens.put("server17", TokenAllocator.allocate(tokens, 128, 5L, 3));
    assertWithinFivePercent(tokens, 3, "15 nodes after a removal and a join");
  }

  private static void assertWithinFivePercent(Map<String, List<Long>> tokens, int rf,
      String what) {
    Map<String, Double> held = Ownership.effective(tokens, rf);
    double mean = held.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    held.forEach((node, share) -> assertThat(share / mean)
        .as("%s's share of the mean at rep %d, %s", node, rf, what)
        .isBetween(0.95, 1.05));
  }

  @Test
  void keysThatHashCloseTogetherDoNotPileOntoOneNode() {
    // key2 and key3 lie 2.5% of the ring apart. If a node's tokens formed one arc, such keys
    // would share a node far more often than keys spread independently (1 in 25 for 3 keys).
    Random seeds = new Random(7);
    int together = 0;
    int clusters = 150;
    for (int c = 0; c < clusters; c++) {
      long rotation = seeds.nextLong();
      Map<String, List<Long>> tokens = new LinkedHashMap<>();
      for (int i = 1; i <= 5; i++) {
        tokens.put("server" + i, TokenAllocator.allocate(tokens, 128, rotation, 3));
      }
      RingTable table = RingTable.of("c", 1, 1, tokens.entrySet().stream()
          .map(e -> new Node(e.getKey(), "h:1", NodeState.UP, e.getValue())).toList());
      long owners = List.of("key1", "key2", "key3").stream()
          .map(k -> table.homeReplicas(KeyHasher.murmur3().hash(k)).get(0).id())
          .distinct().count();
      if (owners == 1) {
        together++;
      }
    }
    assertThat(together).as("clusters out of %d with key1..key3 on one node", clusters)
        .isLessThan(clusters * 12 / 100);
  }

  @Test
  void aRotationMovesTheFirstNodesTokensAndKeepsThemEvenlySpaced() {
    List<Long> plain = TokenAllocator.allocate(Map.of(), 4);
    List<Long> rotated = TokenAllocator.allocate(Map.of(), 4, 12345L, 1);
    for (int i = 0; i < 4; i++) {
      assertThat(rotated.get(i) - plain.get(i)).isEqualTo(12345L);
    }
  }

  @Test
  void allocationIsDeterministicAndTokensAreDistinct() {
    Map<String, List<Long>> existing = new HashMap<>();
    existing.put("server1", TokenAllocator.allocate(Map.of(), 16));
    List<Long> first = TokenAllocator.allocate(existing, 16);
    List<Long> second = TokenAllocator.allocate(existing, 16);
    assertThat(first).isEqualTo(second).hasSize(16).doesNotHaveDuplicates()
        .doesNotContainAnyElementsOf(existing.get("server1"));
  }

  @Test
  void rejectsNonPositiveCount() {
    assertThatThrownBy(() -> TokenAllocator.allocate(Map.of(), 0))
        .hasMessage("token count must be at least 1, got 0");
  }
}

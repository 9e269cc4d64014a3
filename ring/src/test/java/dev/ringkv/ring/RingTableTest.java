package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RingTableTest {

  // Tokens chosen by hand: a owns 10 and 40, b owns 20, c owns 30, d owns 50.
  private static Node node(String id, NodeState state, Long... tokens) {
    return new Node(id, "127.0.0.1:1" + id.charAt(0), state, List.of(tokens));
  }

  private static RingTable table(int rf, NodeState bState, NodeState cState) {
    return RingTable.of("c1", 7, rf, List.of(
        node("a", NodeState.UP, 10L, 40L),
        node("b", bState, 20L),
        node("c", cState, 30L),
        node("d", NodeState.UP, 50L)));
  }

  private static List<String> ids(List<Node> nodes) {
    return nodes.stream().map(Node::id).toList();
  }

  @Test
  void homeReplicasWalkClockwiseFromTheKeyAndSkipRepeatedOwners() {
    RingTable t = table(3, NodeState.UP, NodeState.UP);
    assertThat(ids(t.homeReplicas(15))).containsExactly("b", "c", "a");
    assertThat(ids(t.homeReplicas(20))).as("a token owns its own position").containsExactly("b", "c", "a");
    assertThat(ids(t.homeReplicas(35))).as("a at 40 then d, skipping nothing")
        .containsExactly("a", "d", "b");
  }

  @Test
  void homeReplicasWrapAroundTheEndOfTheRing() {
    RingTable t = table(3, NodeState.UP, NodeState.UP);
    assertThat(ids(t.homeReplicas(51))).containsExactly("a", "b", "c");
    assertThat(ids(t.homeReplicas(Long.MIN_VALUE))).containsExactly("a", "b", "c");
    assertThat(ids(t.homeReplicas(45))).containsExactly("d", "a", "b");
  }

  @Test
  void aLeavingNodesTokensAreOffTheRingSoItsRangesGoToTheNodesAfterIt() {
    RingTable t = table(2, NodeState.LEAVING, NodeState.UP);
    assertThat(ids(t.homeReplicas(15))).as("b (20) is leaving").containsExactly("c", "a");
    assertThat(t.ranges()).as("b's range merged into c's")
        .contains(new TokenRange(10, 30)).doesNotContain(new TokenRange(10, 20));
    assertThat(t.preferenceList(15)).extracting(p -> p.node().id()).containsExactly("c", "a");
    assertThat(t.node("b").orElseThrow().isUp()).isFalse();
    assertThat(t.nodes()).hasSize(4);
  }

  @Test
  void replicationFactorAboveNodeCountYieldsEveryNodeOnce() {
    RingTable t = table(9, NodeState.UP, NodeState.UP);
    assertThat(ids(t.homeReplicas(15))).containsExactly("b", "c", "a", "d");
  }

  @Test
  void preferenceListReplacesDownHomeReplicasWithTheNextUpNodesAndNamesTheHintTarget() {
    RingTable t = table(2, NodeState.DOWN, NodeState.UP);
    List<Placement> list = t.preferenceList(15); // home: b (down), c
    assertThat(list).containsExactly(
        Placement.home(t.node("c").orElseThrow()),
        Placement.fallback(t.node("a").orElseThrow(), "b"));
  }

  @Test
  void preferenceListWithAllHomesDownTakesFallbacksInRingOrder() {
    RingTable t = table(2, NodeState.DOWN, NodeState.DOWN);
    List<Placement> list = t.preferenceList(15); // home: b, c, both down
    assertThat(list).extracting(p -> p.node().id(), Placement::hintFor)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "b"),
            org.assertj.core.groups.Tuple.tuple("d", "c"));
  }

  @Test
  void preferenceListIsShortWhenTooFewNodesAreUp() {
    RingTable t = RingTable.of("c1", 1, 2, List.of(
        node("a", NodeState.UP, 10L), node("b", NodeState.DOWN, 20L), node("c", NodeState.DOWN, 30L)));
    // home replicas b and c are down; a is the only fallback left
    assertThat(t.preferenceList(15)).containsExactly(Placement.fallback(t.node("a").orElseThrow(), "b"));
  }

  @Test
  void emptyTableHasNoReplicas() {
    RingTable t = RingTable.empty("c1", 3);
    assertThat(t.homeReplicas(0)).isEmpty();
    assertThat(t.preferenceList(0)).isEmpty();
    assertThat(t.epoch()).isZero();
  }

  @Test
  void newerEpochOrOtherClusterSupersedes() {
    RingTable t7 = table(2, NodeState.UP, NodeState.UP);
    RingTable t8 = RingTable.of("c1", 8, 2, t7.nodes());
    RingTable other = RingTable.of("c2", 1, 2, t7.nodes());
    assertThat(t8.supersedes(t7)).isTrue();
    assertThat(t7.supersedes(t8)).isFalse();
    assertThat(t7.supersedes(t7)).isFalse();
    assertThat(other.supersedes(t8)).isTrue();
    assertThat(t7.supersedes(null)).isTrue();
  }

  @Test
  void nodesAreOrderedNumerically() {
    RingTable t = RingTable.of("c", 1, 1, List.of(
        node("server10", NodeState.UP, 1L), node("server2", NodeState.UP, 2L),
        node("server1", NodeState.UP, 3L)));
    assertThat(ids(t.nodes())).containsExactly("server1", "server2", "server10");
  }

  @Test
  void validationNamesTheBadValue() {
    assertThatThrownBy(() -> RingTable.of("c", 1, 0, List.of()))
        .hasMessage("replication factor must be at least 1, got 0");
    assertThatThrownBy(() -> RingTable.of("c", -1, 1, List.of()))
        .hasMessage("epoch must not be negative, got -1");
    assertThatThrownBy(() -> RingTable.of(" ", 1, 1, List.of()))
        .hasMessage("cluster id must not be blank");
    assertThatThrownBy(() -> RingTable.of("c", 1, 1,
        List.of(node("a", NodeState.UP, 5L), node("b", NodeState.UP, 5L))))
        .hasMessage("token 5 is owned by both a and b");
    assertThatThrownBy(() -> RingTable.of("c", 1, 1,
        List.of(node("a", NodeState.UP, 5L), node("a", NodeState.UP, 6L))))
        .hasMessage("node id a appears twice in the table");
  }

  @Test
  void rangesCoverTheRingAndEveryKeyFallsInTheRangeOfItsFirstReplica() {
    RingTable t = table(3, NodeState.UP, NodeState.UP);
    assertThat(t.ranges()).containsExactly(new TokenRange(50, 10), new TokenRange(10, 20),
        new TokenRange(20, 30), new TokenRange(30, 40), new TokenRange(40, 50));
    for (long token : new long[] {Long.MIN_VALUE, 5, 10, 11, 20, 45, 50, 51, Long.MAX_VALUE}) {
      TokenRange r = t.rangeOf(token);
      assertThat(r.contains(token)).as("%d in %s", token, r).isTrue();
      assertThat(t.homeReplicas(token)).isEqualTo(t.homeReplicas(r.end()));
    }
  }

  @Test
  void aSingleTokenRangeIsTheWholeRing() {
    TokenRange whole = new TokenRange(7, 7);
    assertThat(whole.contains(7)).isTrue();
    assertThat(whole.contains(Long.MIN_VALUE)).isTrue();
    assertThat(whole.contains(8)).isTrue();
  }
}

package dev.ringkv.manager.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {

  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(10_000);

  private Membership open(int rf) throws IOException {
    return Membership.open(new FileStateStore(dir), rf, 8, 2_000, now::get, JoinPolicy.open());
  }

  @Test
  void everyChangeIsANewEpochAndRepeatsAreNot() throws IOException {
    Membership m = open(2);
    long start = m.table().epoch();
    m.register("server1", "127.0.0.1:1");
    m.register("server2", "127.0.0.1:2");
    assertThat(m.table().epoch()).isEqualTo(start + 2);
    m.register("server1", "127.0.0.1:1");
    m.heartbeat("server2", "127.0.0.1:2");
    assertThat(m.table().epoch()).as("nothing changed").isEqualTo(start + 2);
    now.addAndGet(2_001); // the process at the old address went silent
    m.register("server1", "127.0.0.1:9");
    assertThat(m.table().epoch()).as("address moved").isEqualTo(start + 3);
    assertThat(m.table().node("server1").orElseThrow().address()).isEqualTo("127.0.0.1:9");
  }

  @Test
  void onlyADownNodeIsRemovedAndOnlyIfEnoughNodesRemain() throws IOException {
    Membership m = open(2);
    for (int i = 1; i <= 3; i++) {
      m.register("server" + i, "127.0.0.1:" + i);
    }
    assertThatThrownBy(() -> m.removeNode("server9")).isInstanceOf(RefusedChangeException.class)
        .hasMessage("there is no node 'server9' in the cluster (its nodes are server1, server2, "
            + "server3)");
    assertThatThrownBy(() -> m.removeNode("server2")).isInstanceOf(RefusedChangeException.class)
        .hasMessage("server2 is UP: decommission it instead, so that it hands its ranges over "
            + "before it leaves");
    now.addAndGet(2_500);
    m.heartbeat("server1", "127.0.0.1:1");
    RingTable down = m.detectFailures(); // server2 and server3 are DOWN
    RingTable removed = m.removeNode("server3");
    assertThat(removed.epoch()).isEqualTo(down.epoch() + 1);
    assertThat(removed.node("server3")).isEmpty();
    assertThatThrownBy(() -> m.removeNode("server2")).isInstanceOf(RefusedChangeException.class)
        .hasMessage("removing server2 would leave 1 node, fewer than the replication factor 2");
    assertThat(m.table()).isEqualTo(removed);
    assertThat(open(2).table().node("server3")).as("after a manager restart").isEmpty();
  }

  @Test
  void aDecommissionedNodeIsLeavingThroughBeatsAndSilenceUntilItIsRemoved() throws IOException {
    Membership m = open(2);
    for (int i = 1; i <= 4; i++) {
      m.register("server" + i, "127.0.0.1:" + i);
    }
    RingTable leaving = m.decommission("server2");
    assertThat(leaving.node("server2").orElseThrow().state()).isEqualTo(NodeState.LEAVING);
    assertThat(m.decommission("server2")).as("repeated: nothing changes").isEqualTo(leaving);
    assertThatThrownBy(() -> m.decommission("server3")).isInstanceOf(RefusedChangeException.class)
        .hasMessage("server2 is already leaving; decommission one node at a time");

    assertThat(m.heartbeat("server2", "127.0.0.1:2")).as("its beats do not revive it")
        .isEqualTo(leaving);
    now.addAndGet(2_500);
    for (int i = 1; i <= 3; i++) {
      m.heartbeat("server" + i, "127.0.0.1:" + i);
    }
    RingTable afterSilence = m.detectFailures();
    assertThat(afterSilence.node("server2").orElseThrow().state()).isEqualTo(NodeState.LEAVING);
    assertThat(afterSilence.node("server4").orElseThrow().state()).isEqualTo(NodeState.DOWN);
    assertThat(afterSilence.node("server4").orElseThrow().downSinceMs()).as("when marked DOWN")
        .isEqualTo(now.get());
    assertThatThrownBy(() -> m.decommission("server4"))
        .isInstanceOf(RefusedChangeException.class)
        .hasMessage("server4 is DOWN and cannot hand its ranges over: remove it instead "
            + "(removenode), and its ranges are re-replicated from the others");

    RingTable removed = m.removeNode("server2");
    assertThat(removed.node("server2")).isEmpty();
  }

  @Test
  void aNewNodeReplacesOnlyADownNodeAndTakesItsTokensInOneEpoch() throws IOException {
    Membership m = open(2);
    for (int i = 1; i <= 3; i++) {
      m.register("server" + i, "127.0.0.1:" + i);
    }
    List<Long> tokens = m.table().node("server2").orElseThrow().tokens();
    assertThatThrownBy(() -> m.register("server4", "127.0.0.1:4", "server2"))
        .isInstanceOf(RefusedChangeException.class)
        .hasMessage("server2 is UP: only a DOWN node can be replaced");
    assertThatThrownBy(() -> m.register("server4", "127.0.0.1:4", "server9"))
        .isInstanceOf(RefusedChangeException.class)
        .hasMessageStartingWith("there is no node 'server9' in the cluster");
    now.addAndGet(2_500);
    m.heartbeat("server1", "127.0.0.1:1");
    m.heartbeat("server3", "127.0.0.1:3");
    RingTable down = m.detectFailures();

    RingTable replaced = m.register("server4", "127.0.0.1:4", "server2");

    assertThat(replaced.epoch()).isEqualTo(down.epoch() + 1);
    assertThat(replaced.node("server2")).isEmpty();
    assertThat(replaced.node("server4").orElseThrow().tokens()).isEqualTo(tokens);
    assertThat(replaced.node("server4").orElseThrow().isUp()).isTrue();
    assertThat(m.register("server4", "127.0.0.1:4", "server2")).as("a member re-registering")
        .isEqualTo(replaced);
  }

  @Test
  void noNodeIsDecommissionedBelowTheReplicationFactor() throws IOException {
    Membership m = Membership.open(new FileStateStore(dir.resolve("rf3")), 3, 8, 2_000,
        now::get, JoinPolicy.open());
    for (int i = 1; i <= 3; i++) {
      m.register("server" + i, "127.0.0.1:" + i);
    }
    RingTable before = m.table();
    assertThatThrownBy(() -> m.decommission("server1")).isInstanceOf(RefusedChangeException.class)
        .hasMessage("decommissioning server1 would leave 2 nodes, fewer than the replication "
            + "factor 3");
    assertThat(m.table()).isEqualTo(before);
  }

  @Test
  void silentNodesGoDownAndComeBackUpWhenTheyBeat() throws IOException {
    Membership m = open(1);
    m.register("server1", "127.0.0.1:1");
    m.register("server2", "127.0.0.1:2");
    now.addAndGet(1_500);
    m.heartbeat("server1", "127.0.0.1:1");
    now.addAndGet(1_000); // server2 silent for 2.5 s, server1 for 1 s
    RingTable afterDetection = m.detectFailures();
    assertThat(afterDetection.node("server2").orElseThrow().state()).isEqualTo(NodeState.DOWN);
    assertThat(afterDetection.node("server1").orElseThrow().state()).isEqualTo(NodeState.UP);

    RingTable back = m.heartbeat("server2", "127.0.0.1:2");
    assertThat(back.node("server2").orElseThrow().state()).isEqualTo(NodeState.UP);
    assertThat(back.epoch()).isEqualTo(afterDetection.epoch() + 1);
  }

  @Test
  void tokensClusterAndEpochSurviveARestartAndTheSequenceContinues() throws IOException {
    Membership first = open(3);
    first.register("server1", "127.0.0.1:1");
    first.register("server2", "127.0.0.1:2");
    RingTable before = first.table();

    Membership second = open(3);
    assertThat(second.table().clusterId()).isEqualTo(before.clusterId());
    assertThat(second.table().epoch()).as("a restart is a new epoch").isEqualTo(before.epoch() + 1);
    assertThat(second.table().nodes()).isEqualTo(before.nodes());

    second.register("server3", "127.0.0.1:3");
    assertThat(second.table().epoch()).isEqualTo(before.epoch() + 2);
    second.register("server1", "127.0.0.1:1");
    assertThat(second.table().node("server1").orElseThrow().tokens())
        .isEqualTo(before.node("server1").orElseThrow().tokens());
  }

  @Test
  void aRestartGivesKnownNodesAFullTimeoutBeforeTheyAreMarkedDown() throws IOException {
    open(1).register("server1", "127.0.0.1:1");
    now.addAndGet(60_000);
    Membership restarted = open(1);
    assertThat(restarted.detectFailures().node("server1").orElseThrow().isUp()).isTrue();
    now.addAndGet(2_001);
    assertThat(restarted.detectFailures().node("server1").orElseThrow().isUp()).isFalse();
  }

  @Test
  void refusesADataDirOfAnotherReplicationFactor() throws IOException {
    open(3);
    assertThatThrownBy(() -> open(2)).isInstanceOf(IllegalStateException.class)
        .hasMessage("the data dir holds a cluster with replication factor 3, but replication "
            + "factor 2 was asked for");
  }

  @Test
  void heartbeatOfAnUnknownNodeIsRefused() throws IOException {
    assertThatThrownBy(() -> open(1).heartbeat("ghost", "127.0.0.1:1"))
        .isInstanceOf(UnknownNodeException.class)
        .hasMessage("node ghost is not registered with this manager");
  }

  @Test
  void aRestartedManagerDeclaresNobodyDownBeforeAFullTimeoutFromWhenItServes() throws IOException {
    Membership first = open(1);
    first.register("server1", "127.0.0.1:1");
    now.addAndGet(100);
    Membership restarted = open(1);
    now.addAndGet(3_000); // loading state and starting the server took longer than the timeout
    restarted.serving();
    now.addAndGet(1_900);
    assertThat(restarted.detectFailures().node("server1").orElseThrow().isUp())
        .as("server1 could not have reached the manager for a full timeout yet").isTrue();
    now.addAndGet(200);
    assertThat(restarted.detectFailures().node("server1").orElseThrow().isUp()).isFalse();
  }

  @Test
  void aNodeComingBackFromDownStartsANewIncarnation() throws IOException {
    Membership m = open(1);
    m.register("server1", "127.0.0.1:1");
    long first = m.table().node("server1").orElseThrow().incarnation();
    m.heartbeat("server1", "127.0.0.1:1");
    assertThat(m.table().node("server1").orElseThrow().incarnation())
        .as("a beat of an UP node changes nothing").isEqualTo(first);
    now.addAndGet(2_500);
    m.detectFailures();
    RingTable back = m.heartbeat("server1", "127.0.0.1:1");
    assertThat(back.node("server1").orElseThrow().incarnation()).isEqualTo(first + 1);
    now.addAndGet(2_500);
    m.detectFailures();
    assertThat(m.register("server1", "127.0.0.1:1").node("server1").orElseThrow().incarnation())
        .as("registering after DOWN is a comeback too").isEqualTo(first + 2);
    assertThat(open(1).table().node("server1").orElseThrow().incarnation())
        .as("kept across a manager restart").isEqualTo(first + 2);
  }

  @Test
  void aNodeDownLongerThanItMayBeIsRefusedWhenItWouldComeBackAndStaysDown() throws IOException {
    Membership m = open(1);
    m.register("server1", "127.0.0.1:1");
    now.addAndGet(2_500);
    m.detectFailures();
    now.addAndGet(3_000);
    RingTable down = m.table();

    assertThatThrownBy(() -> m.heartbeat("server1", "127.0.0.1:1", 2_999))
        .isInstanceOf(AwayTooLongException.class)
        .hasMessage("node server1 was DOWN for 3000 ms, longer than the 2999 ms it may be away "
            + "and keep what it holds: it must start over empty")
        .extracting(e -> ((AwayTooLongException) e).downForMs()).isEqualTo(3_000L);
    assertThatThrownBy(() -> m.register("server1", "127.0.0.1:1", null, 2_999))
        .isInstanceOf(AwayTooLongException.class);
    assertThat(m.table()).as("a refusal changes nothing").isEqualTo(down);
    assertThat(m.heartbeatAgesMs().get("server1")).as("not even the time it was heard from")
        .isEqualTo(5_500);

    assertThat(m.heartbeat("server1", "127.0.0.1:1", 3_000).node("server1").orElseThrow().isUp())
        .as("DOWN no longer than its limit: taken back").isTrue();
    now.addAndGet(2_500);
    m.detectFailures();
    now.addAndGet(60_000);
    assertThat(m.register("server1", "127.0.0.1:1", null, Membership.NO_LIMIT)
        .node("server1").orElseThrow().isUp()).as("with no limit (it holds nothing)").isTrue();
    assertThat(m.heartbeat("server1", "127.0.0.1:1", 1)).as("an UP node has no limit to keep")
        .isEqualTo(m.table());
  }

  @Test
  void anIdUpAtOneAddressCannotBeTakenFromAnotherUntilItFallsSilent() throws IOException {
    Membership m = open(1);
    m.register("server1", "127.0.0.1:1");
    RingTable before = m.table();
    now.addAndGet(1_000);
    assertThatThrownBy(() -> m.register("server1", "127.0.0.1:666"))
        .isInstanceOf(RefusedChangeException.class)
        .hasMessageContaining("node server1 is UP at 127.0.0.1:1");
    assertThatThrownBy(() -> m.heartbeat("server1", "127.0.0.1:666"))
        .isInstanceOf(RefusedChangeException.class);
    assertThat(m.table()).as("nothing changed").isSameAs(before);
    now.addAndGet(1_001);
    assertThat(m.register("server1", "127.0.0.1:2").node("server1").orElseThrow().address())
        .as("a restart on another port, once the old process is silent").isEqualTo("127.0.0.1:2");
  }

  @Test
  void newIdsJoinOnlyWhenAllowedAndUpToTheLimit() throws IOException {
    Membership growing = Membership.open(new FileStateStore(dir), 1, 8, 2_000, now::get,
        new JoinPolicy(true, 2));
    growing.register("server1", "127.0.0.1:1");
    growing.register("server2", "127.0.0.1:2");
    assertThatThrownBy(() -> growing.register("server3", "127.0.0.1:3"))
        .isInstanceOf(RefusedChangeException.class)
        .hasMessageContaining("the cluster is full: it has 2 nodes");

    Membership frozen = Membership.open(new FileStateStore(dir), 1, 8, 2_000, now::get,
        new JoinPolicy(false, 256));
    assertThatThrownBy(() -> frozen.register("intruder", "127.0.0.1:9"))
        .isInstanceOf(RefusedChangeException.class)
        .hasMessageContaining("admits no new nodes (start it with --allow-join)");
    now.addAndGet(3_000);
    assertThat(frozen.register("server2", "127.0.0.1:2").node("server2")).as("a member may return")
        .isPresent();
    assertThat(frozen.table().nodes()).hasSize(2);
  }
}

package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Membership changes as an operator makes them with {@code scripts/admin}, under the
 * {@link Workload}'s load, checked like the fault test: nothing acknowledged lost, no stale or
 * not-found read, no failed request, and at the end every key on exactly its home replicas.
 */
@Timeout(600)
class OperationsIT {

  private final long seed = Long.getLong("ringkv.seed", System.nanoTime());

  @Test
  void aDecommissionARemovalOfADeadNodeAndTwoAddsUnderLoadLoseNothing() throws Exception {
    System.out.println("operations seed " + seed);
    try (LocalCluster cluster = LocalCluster.start(5, 3)) {
      Workload workload = new Workload(cluster, new Random(seed));
      try {
        Cli.Result live = cluster.admin("removenode", "server2");
        assertThat(live.exit()).isEqualTo(4);
        assertThat(live.err().strip()).isEqualTo("error: cannot remove server2: server2 is UP: "
            + "decommission it instead, so that it hands its ranges over before it leaves");

        Cli.Result decommissioned = cluster.admin("decommission", "server3");
        assertThat(decommissioned.exit()).as(decommissioned.err()).isZero();
        assertThat(decommissioned.out()).contains("server3 is LEAVING",
            "server3 has handed every key over", "server3 has left the ring");
        Poll.untilTrue(Duration.ofSeconds(30), "server3 to stop by itself",
            () -> !cluster.isRunning("server3"));
        cluster.forget("server3");

        cluster.kill9("server1");
        cluster.awaitTable(t -> !t.node("server1").orElseThrow().isUp(), Duration.ofSeconds(10),
            "server1 DOWN");
        Cli.Result removed = cluster.admin("removenode", "server1");
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("removed server1 from the ring",
            "every node has caught up");
        cluster.forget("server1");
        assertThat(cluster.table().node("server1")).isEmpty();

        Cli.Result unknown = cluster.admin("removenode", "server1");
        assertThat(unknown.exit()).isEqualTo(4);
        assertThat(unknown.err()).contains("there is no node 'server1' in the cluster");

        cluster.add("server6");
        cluster.add("server7");
      } finally {
        workload.stop();
      }
      cluster.awaitSettled(Duration.ofSeconds(60));
      History.Verdict verdict = workload.check(cluster, seed);
      assertThat(verdict.operations()).as("operations (seed %d)", seed).isGreaterThan(300);
      assertThat(verdict.clean()).as("%s (seed %d)", verdict.summary(), seed).isTrue();

      List<String> nodes = cluster.storageNodeIds();
      assertThat(nodes).containsExactly("server2", "server4", "server5", "server6", "server7");
      Poll.untilTrue(Duration.ofSeconds(60), "every key on exactly its 3 home replicas", () ->
          Workload.keys().stream().allMatch(key -> holders(cluster, nodes, key)
              .equals(cluster.homeReplicas(key).stream().sorted().toList())));
      assertThat(cluster.table().nodes()).hasSize(5);
      Poll.untilTrue(Duration.ofSeconds(30), "the hints for the removed server1 dropped",
          () -> nodes.stream().allMatch(id -> cluster.stats(id).getHints() == 0));
    }
  }

  /**
   * A new node replaces a dead one ({@code --replace}, Cassandra's replace_address): it takes the
   * dead node's tokens and pulls every range before its reads count. Then another node dies, so
   * for many keys the replacement is one of only two replicas left: every key must still read
   * back its last acknowledged value.
   */
  @Test
  void aReplacementHoldsEveryRangeOfTheDeadNodeBeforeAnotherReplicaDies() throws Exception {
    System.out.println("replace seed " + seed);
    try (LocalCluster cluster = LocalCluster.start(5, 3)) {
      List<String> written = new ArrayList<>(); // once, before the replacement: only a pull
      try (KvClient kv = cluster.client()) {     // can bring them to it
        for (int i = 0; i < 200; i++) {
          kv.put("before-" + i, "v" + i);
          written.add("before-" + i);
        }
      }
      Workload workload = new Workload(cluster, new Random(seed));
      List<Long> tokens;
      try {
        tokens = cluster.table().node("server2").orElseThrow().tokens();
        cluster.kill9("server2");
        cluster.awaitTable(t -> !t.node("server2").orElseThrow().isUp(), Duration.ofSeconds(10),
            "server2 DOWN");
        cluster.replace("server2", "server6");
        List<String> itsKeys = written.stream()
            .filter(key -> cluster.homeReplicas(key).contains("server6")).toList();
        assertThat(itsKeys).as("keys server6 took over").isNotEmpty();
        assertThat(itsKeys).as("keys server6 holds once it counts")
            .allMatch(key -> cluster.readFrom("server6", key).isPresent());
        cluster.kill9("server1");
        cluster.awaitTable(t -> !t.node("server1").orElseThrow().isUp(), Duration.ofSeconds(10),
            "server1 DOWN");
      } finally {
        workload.stop();
      }
      assertThat(cluster.table().node("server2")).isEmpty();
      assertThat(cluster.table().node("server6").orElseThrow().tokens()).isEqualTo(tokens);
      cluster.awaitSettled(Duration.ofSeconds(60));
      History.Verdict verdict = workload.check(cluster, seed);
      assertThat(verdict.operations()).as("operations (seed %d)", seed).isGreaterThan(300);
      assertThat(verdict.clean()).as("%s (seed %d)", verdict.summary(), seed).isTrue();
    }
  }

  /** What only one replica holds (a write whose other copies were lost) reaches the others. */
  @Test
  void aRepairBringsEveryReplicaWhatOnlyAPeerHeld() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 3)) {
      ManagedChannel toServer1 = Grpc.newChannelBuilder(cluster.address("server1"),
          InsecureChannelCredentials.create()).build();
      try {
        PeerRequests.write(toServer1, null,
            PeerRequests.writeOf("only-on-1", "v", System.currentTimeMillis(), 0, "server1"));
      } finally {
        toServer1.shutdownNow();
      }
      assertThat(cluster.readFrom("server2", "only-on-1")).as("before the repair").isEmpty();

      Cli.Result repaired = cluster.admin("repair", "server2");

      assertThat(repaired.exit()).as(repaired.err()).isZero();
      assertThat(repaired.out()).contains("server2: pulling", "every node has caught up");
      assertThat(cluster.readFrom("server2", "only-on-1")).contains("v");
      assertThat(cluster.readFrom("server3", "only-on-1")).as("not asked to repair").isEmpty();
      Cli.Result unknown = cluster.admin("repair", "server9");
      assertThat(unknown.exit()).isEqualTo(4);
      assertThat(unknown.err().strip())
          .isEqualTo("error: there is no node 'server9' in the cluster");
    }
  }

  private static List<String> holders(LocalCluster cluster, List<String> nodes, String key) {
    return nodes.stream().filter(id -> cluster.readFrom(id, key).isPresent()).sorted().toList();
  }
}

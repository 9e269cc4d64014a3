package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvException;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A five-node cluster: placement, replication, manager outage and restart, bad input. */
@Timeout(240)
class ClusterIT {

  @TempDir Path tmp;

  @Test
  void keysSpreadOverEveryNodeAndEachIsStoredOnKReplicas() {
    try (LocalCluster cluster = LocalCluster.start(5, 3); KvClient kv = cluster.client()) {
      Set<String> coordinators = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        coordinators.add(kv.put("key-" + i, "value-" + i).coordinator());
      }
      assertThat(coordinators).as("coordinators of 200 keys").hasSize(5);
      for (int i = 0; i < 200; i++) {
        assertThat(kv.get("key-" + i).value()).contains("value-" + i);
      }
      // Each key must be on all three of its home replicas (QUORUM answers after two of them;
      // the third copy lands just after), read from each replica alone.
      RingTable table = cluster.table();
      Poll.untilTrue(Duration.ofSeconds(20), "every key on its 3 home replicas", () -> {
        for (int i = 0; i < 200; i++) {
          String key = "key-" + i;
          String expected = "value-" + i;
          for (Node home : table.homeReplicas(KeyHasher.murmur3().hash(key))) {
            if (!cluster.readFrom(home.id(), key).map(expected::equals).orElse(false)) {
              return false;
            }
          }
        }
        return true;
      });
      for (String id : cluster.storageNodeIds()) {
        assertThat(cluster.stats(id).getLiveKeys()).as("keys on %s", id).isGreaterThan(0);
      }
    }
  }

  @Test
  void fortyPutsAreCoordinatedByAtLeastFourNodes() {
    try (LocalCluster cluster = LocalCluster.start(5, 3)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      Set<String> coordinators = new HashSet<>();
      for (int i = 1; i <= 40; i++) {
        coordinators.add(cli.put("k" + i, "v" + i).replace("OK, ", ""));
      }
      assertThat(coordinators).hasSizeGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void dataPathKeepsWorkingWhileTheManagerIsDownAndItsRestartKeepsTokensAndEpochs() {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      cli.put("before", "1");
      kv.put("lib-before", "1");
      RingTable before = cluster.table();

      cluster.kill9("manager");
      assertThat(cli.put("during", "2")).startsWith("OK, server");
      assertThat(cli.get("before")).startsWith("before, 1, server");
      assertThat(cli.get("during")).startsWith("during, 2, server");
      kv.put("lib-during", "2");
      assertThat(kv.get("lib-before").value()).contains("1");
      assertThat(kv.get("lib-during").value()).contains("2");
      assertThat(kv.refreshTable().epoch()).as("the table from a storage node")
          .isEqualTo(before.epoch());

      cluster.restart("manager");
      RingTable after = cluster.awaitTable(t -> t.upCount() == 3, Duration.ofSeconds(30), "3 up");
      assertThat(after.clusterId()).isEqualTo(before.clusterId());
      assertThat(after.epoch()).isGreaterThan(before.epoch());
      assertThat(after.nodes()).isEqualTo(before.nodes());
      assertThat(kv.get("lib-during").value()).contains("2");

      cluster.kill9("server3");
      RingTable down = cluster.awaitTable(t -> t.upCount() == 2, Duration.ofSeconds(30),
          "server3 marked DOWN");
      assertThat(down.epoch()).as("the epoch sequence continues").isGreaterThan(after.epoch());
      assertThat(cli.get("before")).startsWith("before, 1, server");
    }
  }

  @Test
  void badInputIsRejectedAndChangesNothing() {
    try (LocalCluster cluster = LocalCluster.start(1, 1); KvClient kv = cluster.client()) {
      kv.put("k", "original");
      String longKey = "k".repeat(1025);
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      Cli.Result r = cli.run("--put", longKey, "--val", "x");
      assertThat(r.exit()).isEqualTo(4);
      assertThat(r.err().strip())
          .isEqualTo("error: key is 1025 bytes, over the limit of 1024 bytes");
      // Refused before it is sent: over a node's message limit, it would fail its stream and be
      // retried until the deadline.
      Cli.Result huge = cli.run("--put", "k", "--val", "v".repeat(3 * 1024 * 1024));
      assertThat(huge.exit()).as(huge.err()).isEqualTo(4);
      assertThat(huge.err()).startsWith(
          "error: value is 3145728 bytes, over the limit of 1048576 bytes");
      assertRefusedValue(kv, "value is 1048577 bytes, over the limit of 1048576 bytes (a cluster");
      // A client that allows more is refused by the node, with the same reason.
      try (KvClient lax = cluster.client(KvClient.builder().maxValueBytes(2 * 1024 * 1024))) {
        assertRefusedValue(lax, "value is 1048577 bytes, over the limit of 1048576 bytes");
      }
      assertThat(kv.get("k").value()).contains("original");
    }
  }

  private static void assertRefusedValue(KvClient kv, String message) {
    assertThatThrownBy(() -> kv.putAsync("k", new byte[1024 * 1024 + 1], Consistency.QUORUM).join())
        .cause().isInstanceOf(KvException.class)
        .satisfies(e -> assertThat(((KvException) e).reason())
            .isEqualTo(KvException.Reason.INVALID_ARGUMENT))
        .hasMessageStartingWith(message);
  }

  @Test
  void aNodeThatCannotBindItsPortNamesTheProcessHoldingIt() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, 1)) {
      int taken = cluster.port("server1");
      Cli.Result second = cluster.runStorageNode("server2", taken);

      assertThat(second.exit()).isNotZero();
      assertThat(second.err()).contains("port " + taken + " is in use by pid "
          + cluster.pid("server1") + " (").contains("--id server1");
    }
  }
}

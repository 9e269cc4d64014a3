package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvException;
import dev.ringkv.ring.RingTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
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
      // QUORUM answers after 2 of 3; the third copy lands just after.
      Map<String, Long> perNode = new HashMap<>();
      try {
        Poll.untilTrue(Duration.ofSeconds(20), "600 copies of 200 keys", () -> {
          perNode.clear();
          cluster.storageNodeIds().forEach(id -> perNode.put(id, cluster.stats(id).getLiveKeys()));
          return perNode.values().stream().mapToLong(Long::longValue).sum() == 600;
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; keys held per node: " + perNode, e);
      }
      assertThat(perNode.values()).as("keys held per node: %s", perNode).allMatch(n -> n > 0);
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
    try (LocalCluster cluster = LocalCluster.start(3, 2)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      cli.put("before", "1");
      RingTable before = cluster.table();

      cluster.kill9("manager");
      assertThat(cli.put("during", "2")).startsWith("OK, server");
      assertThat(cli.get("before")).startsWith("before, 1, server");
      assertThat(cli.get("during")).startsWith("during, 2, server");

      cluster.restart("manager");
      RingTable after = cluster.awaitTable(t -> t.upCount() == 3, Duration.ofSeconds(30), "3 up");
      assertThat(after.clusterId()).isEqualTo(before.clusterId());
      assertThat(after.epoch()).isGreaterThanOrEqualTo(before.epoch());
      assertThat(after.nodes()).isEqualTo(before.nodes());

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
      try {
        kv.putAsync("k", new byte[1024 * 1024 + 1], dev.ringkv.ring.Consistency.QUORUM).join();
        throw new AssertionError("an oversize value was accepted");
      } catch (java.util.concurrent.CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(KvException.class)
            .hasMessage("value is 1048577 bytes, over the limit of 1048576 bytes");
        assertThat(((KvException) e.getCause()).reason())
            .isEqualTo(KvException.Reason.INVALID_ARGUMENT);
      }
      assertThat(kv.get("k").value()).contains("original");
    }
  }
}

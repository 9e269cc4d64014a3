package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import dev.ringkv.ring.Consistency;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Deletes older than the tombstone grace (3 s here) are purged, and a node that was away from
 * the running cluster for longer than that never brings a deleted key back: it holds the key's
 * old value, which the others no longer know was deleted.
 */
@Timeout(300)
class TombstoneIT {

  private static final LocalCluster.Options GRACE_3S =
      LocalCluster.Options.defaults().withNodeArgs("--tombstone-grace", "3s");

  @Test
  void aNodeKilledLongerThanTheGraceComesBackEmptyAndBringsNoDeletedKeyBack() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 3, GRACE_3S); KvClient kv = cluster.client()) {
      kv.put("kept", "v");
      deleteWhileServer1IsAway(cluster, kv, () -> cluster.kill9("server1"));

      cluster.restart("server1");
      cluster.awaitSettled(Duration.ofSeconds(60));

      assertNeverBack(cluster, kv, "deleted");
      assertThat(kv.get("kept").value()).contains("v");
      assertThat(cluster.readFrom("server1", "kept")).as("pulled again").contains("v");
      assertThat(cluster.logTail("server1")).contains("more than half the tombstone grace");
    }
  }

  @Test
  void aNodePausedLongerThanTheGraceStopsAndComesBackEmpty() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 3, GRACE_3S); KvClient kv = cluster.client()) {
      deleteWhileServer1IsAway(cluster, kv, () -> cluster.pause("server1"));

      cluster.resume("server1");
      Poll.untilTrue(Duration.ofSeconds(30), "server1 to stop by itself",
          () -> !cluster.isRunning("server1"));
      assertThat(cluster.exitCode("server1")).isEqualTo(1);
      assertThat(cluster.table().node("server1").orElseThrow().isUp())
          .as("it never beat again").isFalse();

      cluster.restart("server1");
      cluster.awaitSettled(Duration.ofSeconds(60));
      assertNeverBack(cluster, kv, "deleted");
    }
  }

  @Test
  void aWholeClusterDownLongerThanTheGraceKeepsItsData() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 3, GRACE_3S); KvClient kv = cluster.client()) {
      kv.put("kept", "v");
      List<String> all = List.of("manager", "server1", "server2", "server3");
      cluster.terminateTogether(all, Duration.ofSeconds(20));
      Thread.sleep(4_000); // the outage: longer than the grace
      for (String id : all) {
        cluster.restart(id);
      }
      cluster.awaitSettled(Duration.ofSeconds(60));
      for (String id : List.of("server1", "server2", "server3")) {
        assertThat(cluster.readFrom(id, "kept")).as("on %s", id).contains("v");
      }
    }
  }

  /**
   * Writes "deleted", lets {@code takeAway} take server1 away, deletes the key and waits until
   * the other replicas have purged its tombstone.
   */
  private static void deleteWhileServer1IsAway(LocalCluster cluster, KvClient kv,
      Runnable takeAway) {
    kv.put("deleted", "old");
    takeAway.run();
    cluster.awaitTable(t -> !t.node("server1").orElseThrow().isUp(), Duration.ofSeconds(10),
        "server1 DOWN");
    kv.delete("deleted");
    Poll.untilTrue(Duration.ofSeconds(30), "the tombstone purged on server2 and server3",
        () -> !cluster.holdsRecord("server2", "deleted")
            && !cluster.holdsRecord("server3", "deleted"));
  }

  /**
   * Not found at QUORUM and at ALL and not on server1, now and after a full anti-entropy pass
   * of every node (which would bring the key back from anywhere it still lived).
   */
  private static void assertNeverBack(LocalCluster cluster, KvClient kv, String key) {
    try (KvClient all = cluster.client(KvClient.builder().consistency(Consistency.ALL))) {
      for (String when : List.of("before", "after")) {
        assertThat(kv.get(key).found()).as("%s at QUORUM, %s a repair", key, when).isFalse();
        assertThat(all.get(key).found()).as("%s at ALL, %s a repair", key, when).isFalse();
        assertThat(cluster.holdsRecord("server1", key)).as("%s on server1, %s a repair", key,
            when).isFalse();
        if (when.equals("before")) {
          Cli.Result repaired = cluster.admin("repair");
          assertThat(repaired.exit()).as(repaired.err()).isZero();
        }
      }
    }
  }
}

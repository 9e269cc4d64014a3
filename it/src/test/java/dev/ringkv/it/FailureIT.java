package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.PutResult;
import dev.ringkv.ring.Consistency;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Storage nodes die by {@code kill -9}; the service keeps answering with the latest values. */
@Timeout(300)
class FailureIT {

  @TempDir Path tmp;

  /** Seed test 3: 3 nodes, rep 2; kill the coordinator of three keys; all read back latest. */
  @Test
  void seedTest3AvailabilityThroughASingleNodeFailure() {
    try (LocalCluster cluster = LocalCluster.start(3, 2)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      String serverX = cli.put("key1", "value1").substring("OK, ".length());
      assertThat(cli.put("key1", "newvalue1")).isEqualTo("OK, " + serverX);
      Map<String, String> onX = new LinkedHashMap<>(Map.of("key1", "newvalue1"));
      for (int i = 2; onX.size() < 3; i++) {
        if (cli.put("key" + i, "value" + i).equals("OK, " + serverX)) {
          onX.put("key" + i, "value" + i);
        }
      }

      cluster.kill9(serverX);

      for (Map.Entry<String, String> e : onX.entrySet()) {
        String line = cli.get(e.getKey());
        assertThat(line).startsWith(e.getKey() + ", " + e.getValue() + ", server")
            .doesNotEndWith(serverX);
      }
    }
  }

  /**
   * Seed test 4: 7 nodes, rep 3; 20+ keys, some overwritten; two servers killed at the same
   * moment, among them two of the three replicas of some keys; every key reads back latest,
   * read at once after the kill (retryable errors inside the client are fine, stale is not).
   */
  @Test
  void seedTest4AvailabilityThroughTwoSimultaneousFailures() {
    try (LocalCluster cluster = LocalCluster.start(7, 3); KvClient kv = cluster.client()) {
      Map<String, String> latest = new LinkedHashMap<>();
      List<String> coordinators = new ArrayList<>();
      for (int i = 1; i <= 24; i++) {
        coordinators.add(kv.put("key" + i, "value" + i).coordinator());
        latest.put("key" + i, "value" + i);
      }
      for (int i = 1; i <= 4; i++) {
        write(kv, latest, "key" + i, "newvalue" + i);
      }
      assertThat(coordinators.stream().distinct().count()).isGreaterThanOrEqualTo(4);
      // The victims hold two of key1's three replicas.
      List<String> key1Homes = cluster.homeReplicas("key1");
      String[] victims = {key1Homes.get(0), key1Homes.get(1)};
      awaitFullyReplicated(cluster, latest);

      cluster.kill9Together(victims);

      for (Map.Entry<String, String> e : latest.entrySet()) {
        assertThat(kv.get(e.getKey()).value()).as("%s after killing %s", e.getKey(),
            List.of(victims)).contains(e.getValue());
      }
    }
  }

  /**
   * Recovery (seed 002): 3 nodes, rep 2; write, kill one, write more, restart it; then kill the
   * other two one after another, letting re-replication settle in between; the last node alone
   * still serves every latest value, and the killed nodes left nothing in their temp directory.
   */
  @Test
  void recoveryThroughRestartsAndSuccessiveFailures() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      Map<String, String> latest = new LinkedHashMap<>();
      for (int i = 0; i < 30; i++) {
        write(kv, latest, "k" + i, "v" + i);
      }
      cluster.kill9("server3");
      cluster.awaitSettled(Duration.ofSeconds(30));
      for (int i = 20; i < 50; i++) {
        write(kv, latest, "k" + i, "w" + i);
      }
      cluster.restart("server3");
      cluster.awaitSettled(Duration.ofSeconds(30));

      cluster.kill9("server1");
      cluster.awaitSettled(Duration.ofSeconds(30));
      latest.forEach((k, v) -> assertThat(kv.get(k).value()).as(k).contains(v));

      cluster.kill9("server2");
      cluster.awaitSettled(Duration.ofSeconds(30));
      // One node left of rep 2: QUORUM cannot be met, ONE reads that node alone.
      latest.forEach((k, v) -> assertThat(
          kv.getAsync(k, Consistency.ONE).join().value()).as(k).contains(v));
      latest.forEach((k, v) -> assertThat(cluster.readFrom("server3", k)).as(k).contains(v));
      // RocksDB's own loader put a 15 MB library there at every start, for good after a kill -9.
      assertThat(cluster.tempFiles()).as("files the killed nodes left in their temp dir")
          .isEmpty();
    }
  }

  /**
   * Every replica of every key dies by {@code kill -9} at the same moment, right after a burst of
   * concurrent writes (which the nodes log together, flushing their logs before they answer): no
   * acknowledged write is lost, and each key's latest value is on a quorum of its replicas.
   */
  @Test
  void acknowledgedWritesSurviveKillDashNineOfEveryReplicaAtOnce() {
    try (LocalCluster cluster = LocalCluster.start(3, 3); KvClient kv = cluster.client()) {
      Map<String, String> latest = new LinkedHashMap<>();
      for (int round = 1; round <= 5; round++) {
        List<CompletableFuture<PutResult>> acks = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          String value = "round" + round + "-" + i;
          acks.add(kv.putAsync("k" + i, value.getBytes(StandardCharsets.UTF_8),
              Consistency.QUORUM));
          latest.put("k" + i, value);
        }
        acks.forEach(CompletableFuture::join); // each acknowledged before the next round
      }

      cluster.kill9Together(cluster.storageNodeIds().toArray(String[]::new));
      cluster.storageNodeIds().forEach(cluster::restart);
      cluster.awaitSettled(Duration.ofSeconds(60));

      latest.forEach((k, v) -> {
        long holders = cluster.storageNodeIds().stream()
            .filter(id -> cluster.readFrom(id, k).map(v::equals).orElse(false)).count();
        assertThat(holders).as("replicas holding %s's acknowledged %s", k, v)
            .isGreaterThanOrEqualTo(2);
        assertThat(kv.get(k).value()).as(k).contains(v);
      });
    }
  }

  /**
   * Hints for a DOWN replica are stored durably, survive a kill -9 and restart of the node
   * holding them, and are handed off (then deleted) when the replica returns.
   */
  @Test
  void hintsSurviveTheirHoldersCrashAndReachTheReturningReplica() {
    try (LocalCluster cluster = LocalCluster.start(4, 2); KvClient kv = cluster.client()) {
      String target = "server2";
      cluster.kill9(target);
      cluster.awaitSettled(Duration.ofSeconds(30));
      Map<String, String> forTarget = new LinkedHashMap<>();
      for (int i = 0; forTarget.size() < 10; i++) {
        String key = "h" + i;
        if (cluster.homeReplicas(key).contains(target)) {
          kv.put(key, "hinted" + i);
          forTarget.put(key, "hinted" + i);
        }
      }
      String holder = cluster.storageNodeIds().stream()
          .filter(id -> !id.equals(target) && cluster.stats(id).getHints() > 0)
          .findFirst().orElseThrow(() -> new AssertionError("no node stored a hint"));
      long held = cluster.stats(holder).getHints();

      cluster.kill9(holder);
      cluster.restart(holder);
      cluster.awaitSettled(Duration.ofSeconds(30));
      assertThat(cluster.stats(holder).getHints()).as("hints after kill -9 of " + holder)
          .isEqualTo(held);

      cluster.restart(target);
      // Each key's hint sits on that key's fallback: wait for every holder, not just this one.
      Poll.untilTrue(Duration.ofSeconds(30), "every node to hand off its hints",
          () -> cluster.storageNodeIds().stream()
              .allMatch(id -> cluster.stats(id).getHints() == 0));
      forTarget.forEach((k, v) -> assertThat(cluster.readFrom(target, k)).as(k).contains(v));
      assertThat(cluster.logTail(holder)).contains("delivered", "hints to " + target);
    }
  }

  /**
   * A node that hangs instead of dying (SIGSTOP: a long pause, a frozen machine) keeps its
   * connections open and answers nothing. Requests it coordinates time out and move on to the
   * next replica, the manager marks it DOWN, and when it resumes it catches up on what it missed.
   */
  @Test
  void aHungNodeIsRoutedAroundAndCatchesUpWhenItResumes() {
    try (LocalCluster cluster = LocalCluster.start(5, 3); KvClient kv = cluster.client()) {
      Map<String, String> latest = new LinkedHashMap<>();
      for (int i = 0; i < 30; i++) {
        kv.put("p" + i, "before" + i);
      }
      String hung = cluster.homeReplicas("p0").get(0);

      cluster.pause(hung);
      long start = System.nanoTime();
      // At once, while the cached table still routes to the hung node.
      for (int i = 0; i < 30; i++) {
        write(kv, latest, "p" + i, "during" + i);
      }
      latest.forEach((k, v) -> assertThat(kv.get(k).value()).as(k).contains(v));
      System.out.printf("with %s hung: 30 puts and 30 gets in %d ms%n", hung,
          (System.nanoTime() - start) / 1_000_000);
      cluster.resume(hung);

      cluster.awaitSettled(Duration.ofSeconds(30));
      List<String> its = latest.keySet().stream()
          .filter(k -> cluster.homeReplicas(k).contains(hung)).toList();
      assertThat(its).contains("p0");
      Poll.untilTrue(Duration.ofSeconds(30), hung + " to hold what it missed while hung",
          () -> its.stream().allMatch(k -> cluster.readFrom(hung, k).equals(
              Optional.of(latest.get(k)))));
    }
  }

  /**
   * While a node is down, others take its writes and pull its ranges; once it is back and has
   * them, those extra copies are dropped: every key ends up on exactly its home replicas.
   */
  @Test
  void copiesTakenForADownNodeAreDroppedOnceItHasThem() {
    try (LocalCluster cluster = LocalCluster.start(4, 2); KvClient kv = cluster.client()) {
      Map<String, String> latest = new LinkedHashMap<>();
      for (int i = 0; i < 40; i++) {
        write(kv, latest, "s" + i, "v" + i);
      }
      String target = "server2";
      cluster.kill9(target);
      cluster.awaitSettled(Duration.ofSeconds(30)); // others have pulled its ranges
      for (int i = 40; i < 60; i++) {
        write(kv, latest, "s" + i, "v" + i);
      }
      cluster.restart(target);
      cluster.awaitSettled(Duration.ofSeconds(30));

      Poll.untilTrue(Duration.ofSeconds(60), "every key on exactly its home replicas",
          () -> latest.keySet().stream().allMatch(k -> holders(cluster, k).equals(
              new TreeSet<>(cluster.homeReplicas(k)))));
      latest.forEach((k, v) -> assertThat(kv.get(k).value()).as(k).contains(v));
      long copies = cluster.storageNodeIds().stream()
          .mapToLong(id -> cluster.stats(id).getLiveKeys()).sum();
      assertThat(copies).isEqualTo(2L * latest.size());
    }
  }

  private static TreeSet<String> holders(LocalCluster cluster, String key) {
    TreeSet<String> holders = new TreeSet<>();
    for (String id : cluster.storageNodeIds()) {
      if (cluster.readFrom(id, key).isPresent()) {
        holders.add(id);
      }
    }
    return holders;
  }

  /** Puts {@code key} and remembers its value as the latest. */
  private static void write(KvClient kv, Map<String, String> latest, String key, String value) {
    kv.put(key, value);
    latest.put(key, value);
  }

  /** Waits until every home replica of every key holds its latest value. */
  private static void awaitFullyReplicated(LocalCluster cluster, Map<String, String> latest) {
    Poll.untilTrue(Duration.ofSeconds(20), "all copies written", () ->
        latest.entrySet().stream().allMatch(e -> cluster.homeReplicas(e.getKey()).stream()
            .allMatch(id -> cluster.readFrom(id, e.getKey()).map(e.getValue()::equals)
                .orElse(false))));
  }
}

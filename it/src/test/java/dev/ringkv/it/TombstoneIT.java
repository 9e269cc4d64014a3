package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import dev.ringkv.client.KvClient;
import dev.ringkv.proto.GetReply;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.ring.Consistency;
import dev.ringkv.storage.sync.LeavingMark;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
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

  /**
   * Also: a read sent to server1 while it is paused is served the moment it runs again, before
   * the manager has refused it; it must not find the key its replica still holds.
   */
  @Test
  void aNodePausedLongerThanTheGraceStopsAndComesBackEmpty() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 3, GRACE_3S); KvClient kv = cluster.client()) {
      ManagedChannel toServer1 = Grpc.newChannelBuilder(cluster.address("server1"),
          InsecureChannelCredentials.create()).build();
      ListenableFuture<GetReply> readWhilePaused;
      try {
        KvGrpc.KvFutureStub server1 = KvGrpc.newFutureStub(toServer1);
        server1.withDeadlineAfter(5, TimeUnit.SECONDS)
            .getTable(GetTableRequest.getDefaultInstance()).get(); // connected before the pause
        deleteWhileServer1IsAway(cluster, kv, () -> cluster.pause("server1"));
        readWhilePaused = server1.withDeadlineAfter(20, TimeUnit.SECONDS)
            .get(GetRequest.newBuilder().setKey("deleted").build());

        cluster.resume("server1");
        try {
          assertThat(readWhilePaused.get().getFound())
              .as("the deleted key found by a read served as server1 ran again").isFalse();
        } catch (ExecutionException refused) {
          // refused, or server1 stopped first: neither hands out the deleted key
          System.out.println("the read sent while server1 was paused: " + refused.getCause());
        }
      } finally {
        toServer1.shutdownNow();
      }
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

  /**
   * The pause above, under load: four writers put and delete their own keys over and over, each
   * reading the key back at QUORUM after every acknowledged change, while twenty other keys are
   * deleted during server1's pause and left alone. Every read must show the last acknowledged
   * change, and none of the twenty may come back. A change whose outcome is unknown (it failed)
   * is not checked until the key's next acknowledged one.
   */
  @Test
  void underLoadAPausePastTheGraceLosesNoChangeAndBringsNoDeletedKeyBack() throws Exception {
    long seed = Long.getLong("ringkv.seed", System.nanoTime());
    System.out.println("tombstone load seed " + seed);
    try (LocalCluster cluster = LocalCluster.start(3, 3, GRACE_3S); KvClient kv = cluster.client()) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong checked = new AtomicLong();
      List<String> stale = new CopyOnWriteArrayList<>();
      ExecutorService writers = Executors.newFixedThreadPool(4);
      List<KvClient> clients = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        KvClient writer = cluster.client();
        clients.add(writer);
        Random random = new Random(seed + t);
        String prefix = "w" + t + "-";
        writers.submit(() -> rewriteAndDelete(writer, random, prefix, running, checked, stale));
      }
      List<String> deleted = IntStream.range(0, 20).mapToObj(i -> "deleted-" + i).toList();
      try {
        Poll.untilTrue(Duration.ofSeconds(30), "200 checked reads", () -> checked.get() >= 200);
        deleteWhileServer1IsAway(cluster, kv, deleted, () -> cluster.pause("server1"));
        cluster.resume("server1");
        Poll.untilTrue(Duration.ofSeconds(30), "server1 to stop by itself",
            () -> !cluster.isRunning("server1"));
        cluster.restart("server1");
        cluster.awaitSettled(Duration.ofSeconds(60));
        long before = checked.get();
        Poll.untilTrue(Duration.ofSeconds(30), "200 more checked reads",
            () -> checked.get() >= before + 200);
      } finally {
        running.set(false);
        writers.shutdown();
        writers.awaitTermination(30, TimeUnit.SECONDS);
        clients.forEach(KvClient::close);
      }
      System.out.println(checked.get() + " reads checked; stale: " + stale);
      assertThat(stale).as("reads that missed an acknowledged change (seed %d)", seed).isEmpty();
      assertNeverBack(cluster, kv, deleted);
    }
  }

  private static void rewriteAndDelete(KvClient kv, Random random, String prefix,
      AtomicBoolean running, AtomicLong checked, List<String> stale) {
    Map<String, Optional<String>> acknowledged = new HashMap<>();
    for (int n = 0; running.get(); n++) {
      String key = prefix + random.nextInt(4);
      Optional<String> change = random.nextBoolean() ? Optional.of("v" + n) : Optional.empty();
      try {
        if (change.isPresent()) {
          kv.put(key, change.get());
        } else {
          kv.delete(key);
        }
        acknowledged.put(key, change);
        Optional<String> read = kv.get(key).value();
        if (!read.equals(acknowledged.get(key))) {
          stale.add(key + " read " + read + " after " + acknowledged.get(key) + " was acknowledged");
        }
        checked.incrementAndGet();
      } catch (RuntimeException unknown) {
        acknowledged.remove(key);
      }
    }
  }

  /**
   * A record older than half the grace, pushed to a replica that lacks its key, may be the old
   * value of a key whose delete was purged (a write held up in a coordinator that was paused, a
   * late hint, a repair): the replica refuses it and keeps nothing. A copy handed over by a node
   * that held it out of place is vouched for by its sender, and taken.
   */
  @Test
  void aReplicaRefusesARecordOlderThanHalfTheGraceForAKeyItLacksUnlessHandedOver()
      throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 3, GRACE_3S)) {
      ManagedChannel toServer2 = Grpc.newChannelBuilder(cluster.address("server2"),
          InsecureChannelCredentials.create()).build();
      try {
        long now = System.currentTimeMillis();
        assertThatThrownBy(() -> PeerRequests.write(toServer2, null,
            PeerRequests.writeOf("zombie", "old", now - 2_000, 0, "server1")))
            .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION))
            .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription())
                .contains("refused a record of a key this replica does not hold, written ")
                .contains(" s ago, more than half the tombstone grace (3 s): it may belong to a "
                    + "key whose delete has been purged"));
        assertThat(cluster.holdsRecord("server2", "zombie")).as("refused, kept nothing").isFalse();

        PeerRequests.write(toServer2, null, PeerRequests.writeOf("zombie", "handed over",
            now - 2_000, 0, "server1").toBuilder().setHandover(true).build());
        assertThat(cluster.readFrom("server2", "zombie")).contains("handed over");
      } finally {
        toServer2.shutdownNow();
      }
    }
  }

  /**
   * The grace bounds how long a node may miss deletes, not how old the data it hands over may
   * be: at replication 1 a decommissioned node holds the only copy of its keys, written long
   * before, and hands every one of them over.
   */
  @Test
  void aDecommissionAtReplicationOneHandsOverKeysOlderThanTheGrace() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 1, GRACE_3S); KvClient kv = cluster.client()) {
      List<String> keys = IntStream.range(0, 30).mapToObj(i -> "old-" + i)
          .toList();
      keys.forEach(key -> kv.put(key, "v-" + key));
      // Deleted after the keys were written: once its tombstone is purged, they are older than
      // the grace.
      kv.delete("marker");
      Poll.untilTrue(Duration.ofSeconds(30), "the marker's tombstone purged", () ->
          cluster.storageNodeIds().stream().noneMatch(id -> cluster.holdsRecord(id, "marker")));

      Cli.Result decommissioned = cluster.admin("decommission", "server2");
      assertThat(decommissioned.exit()).as(decommissioned.err()).isZero();
      Poll.untilTrue(Duration.ofSeconds(30), "server2 to stop by itself",
          () -> !cluster.isRunning("server2"));
      cluster.forget("server2");

      for (String key : keys) {
        assertThat(kv.get(key).value()).as(key).contains("v-" + key);
      }
    }
  }

  @Test
  void aDecommissionThatCannotHandOverWithinHalfTheGraceSaysSoAndKeepsTheKeys() throws Exception {
    // A failure timeout longer than server2's restart below: a node DOWN for more than half the
    // grace would be refused and start over empty.
    LocalCluster.Options options = GRACE_3S.withFailureTimeoutMs(10_000);
    try (LocalCluster cluster = LocalCluster.start(3, 1, options); KvClient kv = cluster.client();
        Partitions partitions = new Partitions()) {
      List<String> keys = IntStream.range(0, 30).mapToObj(i -> "k-" + i).toList();
      keys.forEach(key -> kv.put(key, "v-" + key));
      List<String> onServer2 = keys.stream().filter(key -> cluster.holdsRecord("server2", key))
          .toList();
      assertThat(onServer2).as("keys whose one replica is server2").isNotEmpty();

      // server2's new replicas cannot be reached while it turns LEAVING and for more than half
      // the grace after its cleanup first sees that (and marks when): it cannot hand over.
      partitions.cut(cluster.port("server1"));
      partitions.cut(cluster.port("server3"));
      CompletableFuture<Cli.Result> decommission = CompletableFuture.supplyAsync(
          () -> cluster.admin("decommission", "server2", "--wait-timeout", "90"));
      Path mark = cluster.dir().resolve("server2").resolve(LeavingMark.FILE_NAME);
      long leavingSince = Poll.until(Duration.ofSeconds(20), "server2's cleanup to see itself "
          + "LEAVING", () -> leavingMark(mark));
      Poll.untilTrue(Duration.ofSeconds(10), "half the 3-s grace past server2's leaving mark",
          () -> System.currentTimeMillis() > leavingSince + 1_500);
      partitions.heal(cluster.port("server1"));
      partitions.heal(cluster.port("server3"));

      assertKeepsKeysTooLateToHandOver(decommission.get(90, TimeUnit.SECONDS));
      // Started again, it still counts from when it first saw itself LEAVING.
      cluster.kill9("server2");
      cluster.restart("server2");
      assertKeepsKeysTooLateToHandOver(
          cluster.admin("decommission", "server2", "--wait-timeout", "60"));
      for (String key : onServer2) {
        assertThat(cluster.readFrom("server2", key)).as("%s kept on server2", key)
            .contains("v-" + key);
      }
      assertThat(cluster.isRunning("server2")).isTrue();
    }
  }

  /** When the node whose mark is {@code file} first saw itself LEAVING; null: not yet. */
  private static Long leavingMark(Path file) {
    try {
      return Long.parseLong(Files.readString(file).strip());
    } catch (NoSuchFileException notYet) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertKeepsKeysTooLateToHandOver(Cli.Result result) {
    assertThat(result.exit()).as(result.out() + result.err()).isEqualTo(3);
    assertThat(result.err()).containsPattern("server2 keeps [0-9]+ keys that their new "
        + "replicas lack: it has been LEAVING for more than half the tombstone grace, so it "
        + "may have missed their deletes and hands them over no more \\(its log says so too\\); "
        + "to go on without them, stop server2 and run 'admin removenode server2'");
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
    deleteWhileServer1IsAway(cluster, kv, List.of("deleted"), takeAway);
  }

  /**
   * Writes {@code keys}, lets {@code takeAway} take server1 away, deletes the keys and waits
   * until the other replicas have purged their tombstones.
   */
  private static void deleteWhileServer1IsAway(LocalCluster cluster, KvClient kv,
      List<String> keys, Runnable takeAway) {
    keys.forEach(key -> kv.put(key, "old"));
    takeAway.run();
    cluster.awaitTable(t -> !t.node("server1").orElseThrow().isUp(), Duration.ofSeconds(10),
        "server1 DOWN");
    keys.forEach(kv::delete);
    Poll.untilTrue(Duration.ofSeconds(30), "the tombstones purged on server2 and server3",
        () -> keys.stream().noneMatch(key -> cluster.holdsRecord("server2", key)
            || cluster.holdsRecord("server3", key)));
  }

  private static void assertNeverBack(LocalCluster cluster, KvClient kv, String key) {
    assertNeverBack(cluster, kv, List.of(key));
  }

  /**
   * Not found at QUORUM and at ALL and not on server1, now and after a full anti-entropy pass
   * of every node (which would bring a key back from anywhere it still lived).
   */
  private static void assertNeverBack(LocalCluster cluster, KvClient kv, List<String> keys) {
    try (KvClient all = cluster.client(KvClient.builder().consistency(Consistency.ALL))) {
      for (String when : List.of("before", "after")) {
        for (String key : keys) {
          assertThat(kv.get(key).found()).as("%s at QUORUM, %s a repair", key, when).isFalse();
          assertThat(all.get(key).found()).as("%s at ALL, %s a repair", key, when).isFalse();
          assertThat(cluster.holdsRecord("server1", key)).as("%s on server1, %s a repair", key,
              when).isFalse();
        }
        if (when.equals("before")) {
          Cli.Result repaired = cluster.admin("repair");
          assertThat(repaired.exit()).as(repaired.err()).isZero();
        }
      }
    }
  }
}

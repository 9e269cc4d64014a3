package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvException;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ringkv.process.DaemonThreads;
import dev.ringkv.storage.server.StorageNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The in-JVM tier: whole clusters in this JVM, on in-process channels and real RocksDB. */
class InJvmClusterTest {

  @Test
  void aFiveNodeClusterStartsAndServesEveryConsistencyLevel() throws Exception {
    long start = System.nanoTime();
    try (InJvmCluster cluster = InJvmCluster.start(5, 3)) {
      System.out.printf("in-JVM cluster of 5 nodes up in %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
      KvClient kv = cluster.client();
      for (Consistency level : Consistency.values()) {
        String key = "key-" + level;
        kv.putAsync(key, bytes("v-" + level), level).join();
        assertThat(kv.getAsync(key, level).join().value()).as(level.toString())
            .contains("v-" + level);
      }
      kv.delete("key-QUORUM");
      assertThat(kv.get("key-QUORUM").found()).isFalse();
    }
  }

  @Test
  void aStoppedNodeIsMarkedDownAndEveryKeyStaysReadableAndWritable() throws Exception {
    try (InJvmCluster cluster = InJvmCluster.start(5, 3)) {
      KvClient kv = cluster.client();
      for (int i = 0; i < 50; i++) {
        kv.put("k" + i, "first-" + i);
      }
      cluster.stop("server2");
      for (int i = 0; i < 50; i++) {
        assertThat(kv.get("k" + i).value()).as("k" + i).contains("first-" + i);
        kv.put("k" + i, "second-" + i);
      }
      cluster.awaitTable(t -> t.node("server2").orElseThrow().state() == NodeState.DOWN,
          "server2 marked DOWN");
      for (int i = 0; i < 50; i++) {
        assertThat(kv.get("k" + i).value()).as("k" + i).contains("second-" + i);
      }
    }
  }

  @Test
  void aKeyOverTheLimitIsRefusedByTheNodeWithItsReason() throws Exception {
    try (InJvmCluster cluster = InJvmCluster.start(3, 3)) {
      KvClient kv = cluster.client();
      assertThatThrownBy(() -> kv.put("k".repeat(1025), "v"))
          .isInstanceOf(KvException.class)
          .hasMessage("key is 1025 bytes, over the limit of 1024 bytes")
          .satisfies(e -> assertThat(((KvException) e).reason())
              .isEqualTo(KvException.Reason.INVALID_ARGUMENT));
    }
  }

  /**
   * Every node's answers (to the clients and to the other nodes) arrive up to 30 ms late, each
   * by its own random delay, so a coordinator's replicas answer in any order. Four writers
   * rewrite their own keys while reading everybody's; QUORUM must still return the latest
   * acknowledged write: nothing lost, nothing stale, nothing made up.
   */
  @Test
  void quorumHoldsWhileAnswersArriveLateAndOutOfOrder() throws Exception {
    long seed = Long.getLong("ringkv.seed", System.nanoTime());
    SlowLinks links = new SlowLinks(seed);
    History history = new History();
    try (InJvmCluster cluster = InJvmCluster.start(5, 3, links)) {
      cluster.nodeIds().forEach(id -> links.slowDown(SlowLinks.ANYONE, cluster.address(id), 0, 30));
      int writers = 4;
      int keysEach = 3;
      List<CompletableFuture<Void>> work = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        KvClient kv = cluster.client();
        Random random = new Random(seed + w);
        int writer = w;
        work.add(CompletableFuture.runAsync(() -> {
          long[] seq = new long[keysEach];
          for (int op = 0; op < 60; op++) {
            long start = System.nanoTime();
            if (random.nextBoolean()) {
              int k = random.nextInt(keysEach);
              kv.put("w" + writer + "-" + k, "s" + ++seq[k]);
              history.add(new History.Op(true, "w" + writer + "-" + k, seq[k], start,
                  System.nanoTime(), true));
            } else {
              String key = "w" + random.nextInt(writers) + "-" + random.nextInt(keysEach);
              long seen = kv.get(key).value().map(v -> Long.parseLong(v.substring(1)))
                  .orElse(-1L);
              history.add(new History.Op(false, key, seen, start, System.nanoTime(), true));
            }
          }
        }));
      }
      CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      Map<String, Long> finalValues = new HashMap<>();
      KvClient kv = cluster.client();
      for (int w = 0; w < writers; w++) {
        for (int k = 0; k < keysEach; k++) {
          finalValues.put("w" + w + "-" + k, kv.get("w" + w + "-" + k).value()
              .map(v -> Long.parseLong(v.substring(1))).orElse(-1L));
        }
      }
      History.Verdict verdict = history.check(finalValues);
      assertThat(verdict.clean()).as("%s %s %s (seed %d)", verdict.summary(), verdict.lost(),
          verdict.stale(), seed).isTrue();
    }
  }

  /**
   * A write reaches one replica (the key's second) 2 s late, from anyone; its coordinator (the
   * first) acks it from itself and the third. The client's next read finds the coordinator slow
   * and goes to the second, which has not got the write yet: QUORUM asks the third as well and
   * returns the write, not "not found". (Range sync runs once a minute, so that it cannot bring
   * the write either.)
   */
  @Test
  void aQuorumReadFindsAWriteItsCoordinatorHasNotYetReceived() throws Exception {
    SlowLinks links = new SlowLinks(1);
    try (InJvmCluster cluster = InJvmCluster.start(3, 3, links, Duration.ofMinutes(1))) {
      KvClient kv = cluster.client();
      String key = "key";
      List<String> home = cluster.homeReplicas(key);
      String coordinator = home.get(0);
      String late = home.get(1);
      kv.put("warm-up", "v");
      links.slowDown(SlowLinks.ANYONE, cluster.address(late), 2_000, 2_000);
      kv.put(key, "written");
      assertThat(cluster.localValue(late, key)).as("%s's copy, before the read", late).isEmpty();
      links.slowDown(InJvmCluster.CLIENTS, cluster.address(late), 0, 0);
      links.slowDown(InJvmCluster.CLIENTS, cluster.address(coordinator), 5_000, 5_000);
      assertThat(kv.get(key).value()).contains("written");
    }
  }

  /**
   * A client whose table is older than the nodes' takes the newer one from the reply to its next
   * request. Its link to the manager is made 5 s slow first, so a table it holds within 3 s came
   * from a node's reply, not from asking the manager.
   */
  @Test
  void aClientBehindTheClusterTakesTheNewerTableFromANodesReply() throws Exception {
    SlowLinks links = new SlowLinks(2);
    try (InJvmCluster cluster = InJvmCluster.start(4, 3, links)) {
      KvClient kv = cluster.client();
      String key = cluster.keyNotOn("server4");
      kv.put(key, "v0");
      long before = kv.table().epoch();
      links.slowDown(InJvmCluster.CLIENTS, cluster.managerAddress(), 5_000, 5_000);
      cluster.stop("server4");
      RingTable down = cluster.awaitTable(
          t -> t.node("server4").orElseThrow().state() == NodeState.DOWN, "server4 DOWN");
      assertThat(down.epoch()).isGreaterThan(before);
      int[] puts = {0};
      Poll.untilTrue(Duration.ofSeconds(3), "the client to hold epoch " + down.epoch(), () -> {
        kv.put(key, "v" + ++puts[0]);
        return kv.table().epoch() == down.epoch();
      });
    }
  }

  /**
   * A new client whose first table fetch finds the manager slow (its answers 3 s late, over the
   * 1 s attempt timeout) keeps trying within the request's deadline, rather than failing as if
   * there were no cluster; once the manager answers in time, the write goes through.
   */
  @Test
  void aNewClientWaitsOutASlowManagerWithinItsDeadline() throws Exception {
    SlowLinks links = new SlowLinks(3);
    try (InJvmCluster cluster = InJvmCluster.start(3, 3, links)) {
      links.slowDown(InJvmCluster.CLIENTS, cluster.managerAddress(), 3_000, 3_000);
      KvClient kv = cluster.client();
      CompletableFuture<?> put = kv.putAsync("k", bytes("v"), Consistency.QUORUM);
      Thread.sleep(1_500); // the manager's slow spell: past the first attempt's timeout
      assertThat(put).as("still trying after the first attempt timed out").isNotDone();
      links.slowDown(InJvmCluster.CLIENTS, cluster.managerAddress(), 0, 0);
      put.get(10, TimeUnit.SECONDS);
      assertThat(kv.get("k").value()).contains("v");
    }
  }

  /** A request still being retried when its client is closed fails at once; it never hangs. */
  @Test
  void aRequestBeingRetriedWhenItsClientClosesFailsRatherThanHangs() throws Exception {
    try (InJvmCluster cluster = InJvmCluster.start(3, 3)) {
      KvClient kv = cluster.client();
      kv.put("k", "v"); // the client has its table
      for (String id : cluster.nodeIds()) {
        cluster.stop(id);
      }
      CompletableFuture<?> put = kv.putAsync("k", bytes("w"), Consistency.QUORUM);
      Poll.untilTrue(Duration.ofSeconds(5), "the put to be retrying",
          () -> !put.isDone() && kv.table() != null);
      kv.close();
      assertThatThrownBy(() -> put.get(3, TimeUnit.SECONDS))
          .hasCauseInstanceOf(KvException.class);
    }
  }

  /** Each node of a cluster in one JVM logs under its own id (the logging MDC), not the JVM's. */
  @Test
  void eachNodeLogsUnderItsOwnId() throws Exception {
    Logger nodeLog = (Logger) LoggerFactory.getLogger(StorageNode.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    Level before = nodeLog.getLevel();
    nodeLog.setLevel(Level.INFO);
    nodeLog.addAppender(lines);
    try (InJvmCluster cluster = InJvmCluster.start(3, 3)) {
      List<String> listening = lines.list.stream()
          .filter(e -> e.getFormattedMessage().contains(" listening on "))
          .map(e -> e.getMDCPropertyMap().get(DaemonThreads.NODE_KEY) + " "
              + e.getFormattedMessage().split(" ")[1])
          .toList();
      assertThat(listening).containsExactlyInAnyOrder(
          "server1 server1", "server2 server2", "server3 server3");
    } finally {
      nodeLog.detachAppender(lines);
      nodeLog.setLevel(before);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

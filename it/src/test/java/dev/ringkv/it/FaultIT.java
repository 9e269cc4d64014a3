package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.GetResult;
import dev.ringkv.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrent QUORUM writers and readers while a nemesis kills (-9) and restarts random storage
 * nodes, one at a time (rep 3 on 5 nodes: never more than one of any key's replicas down).
 * Every operation is recorded with its start, end and result, then checked:
 * <ul>
 *   <li>lost: once settled, a key's value is older than its last acknowledged write;
 *   <li>stale: a read returned a value older than the latest write acknowledged before the read
 *       began (or "not found" after one was acknowledged).
 * </ul>
 * Each key has a single writer, so its writes are ordered by their sequence number.
 */
@Timeout(420)
class FaultIT {

  private static final int WRITERS = 3;
  private static final int READERS = 2;
  private static final int KEYS_PER_WRITER = 15;
  private static final Duration RUN_FOR = Duration.ofSeconds(30);

  /** One operation. For a read, {@code seq} is the sequence read (-1: not found). */
  private record Op(boolean write, String key, long seq, long startNanos, long endNanos,
      boolean ok) {}

  private final List<Op> history = Collections.synchronizedList(new ArrayList<>());

  @Test
  void randomKillsAndRestartsLoseNothingAndNeverServeStaleReads() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(5, 3); KvClient kv = cluster.client()) {
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService workers = Executors.newFixedThreadPool(WRITERS + READERS);
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        workers.submit(() -> write(kv, writer, running));
      }
      for (int r = 0; r < READERS; r++) {
        int reader = r;
        workers.submit(() -> read(kv, reader, running));
      }
      List<String> nemesisLog = nemesis(cluster);
      running.set(false);
      workers.shutdown();
      assertThat(workers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

      cluster.awaitSettled(Duration.ofSeconds(60));
      long lost = countLost(kv);
      long stale = countStale();
      long ops = history.size();
      long acknowledged = history.stream().filter(Op::ok).count();
      long maxMs = history.stream().mapToLong(o -> (o.endNanos - o.startNanos) / 1_000_000)
          .max().orElse(0);
      System.out.printf("fault test: ops=%d acknowledged=%d failed=%d lost=%d stale=%d "
              + "max-latency=%dms nemesis=%s%n", ops, acknowledged, ops - acknowledged, lost,
          stale, maxMs, nemesisLog);
      assertThat(acknowledged).as("acknowledged operations").isGreaterThan(500);
      assertThat(lost).as("lost writes").isZero();
      assertThat(stale).as("stale reads").isZero();
    }
  }

  private void write(KvClient kv, int writer, AtomicBoolean running) {
    Random random = new Random(writer);
    long[] seq = new long[KEYS_PER_WRITER];
    while (running.get()) {
      int k = random.nextInt(KEYS_PER_WRITER);
      String key = key(writer, k);
      long s = ++seq[k];
      long start = System.nanoTime();
      boolean ok;
      try {
        kv.put(key, "s" + s);
        ok = true;
      } catch (RuntimeException e) {
        ok = false;
      }
      history.add(new Op(true, key, s, start, System.nanoTime(), ok));
    }
  }

  private void read(KvClient kv, int reader, AtomicBoolean running) {
    Random random = new Random(100 + reader);
    while (running.get()) {
      String key = key(random.nextInt(WRITERS), random.nextInt(KEYS_PER_WRITER));
      long start = System.nanoTime();
      try {
        GetResult r = kv.get(key);
        long seq = r.value().map(v -> Long.parseLong(v.substring(1))).orElse(-1L);
        history.add(new Op(false, key, seq, start, System.nanoTime(), true));
      } catch (RuntimeException e) {
        history.add(new Op(false, key, -1, start, System.nanoTime(), false));
      }
    }
  }

  /** Kills and restarts random nodes until the run time is over; one node down at a time. */
  private static List<String> nemesis(LocalCluster cluster) throws InterruptedException {
    Random random = new Random(7);
    List<String> log = new ArrayList<>();
    long end = System.nanoTime() + RUN_FOR.toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(500 + random.nextInt(1500)); // the nemesis's pace, not a wait for a condition
      List<String> ids = cluster.storageNodeIds();
      String victim = ids.get(random.nextInt(ids.size()));
      cluster.kill9(victim);
      log.add("kill " + victim);
      Thread.sleep(500 + random.nextInt(3000));
      cluster.restart(victim);
      cluster.awaitSettled(Duration.ofSeconds(60));
      log.add("restart " + victim);
    }
    return log;
  }

  private long countLost(KvClient kv) {
    long lost = 0;
    for (int w = 0; w < WRITERS; w++) {
      for (int k = 0; k < KEYS_PER_WRITER; k++) {
        String key = key(w, k);
        long lastAcked = lastAckedSeq(key, Long.MAX_VALUE);
        long read = kv.get(key).value().map(v -> Long.parseLong(v.substring(1))).orElse(-1L);
        if (read < lastAcked) {
          System.out.printf("LOST %s: last acknowledged s%d, read %s%n", key, lastAcked, read);
          lost++;
        }
      }
    }
    return lost;
  }

  private long countStale() {
    long stale = 0;
    List<Op> ops = List.copyOf(history);
    for (Op read : ops) {
      if (read.write() || !read.ok()) {
        continue;
      }
      long mustSee = lastAckedSeq(read.key(), read.startNanos());
      if (read.seq() < mustSee) {
        System.out.printf("STALE read of %s: got %d, but s%d was acknowledged before it began%n",
            read.key(), read.seq(), mustSee);
        stale++;
      }
    }
    return stale;
  }

  /** The highest sequence of {@code key} acknowledged before {@code beforeNanos}; -1 if none. */
  private long lastAckedSeq(String key, long beforeNanos) {
    long best = -1;
    synchronized (history) {
      for (Op op : history) {
        if (op.write() && op.ok() && op.key().equals(key) && op.endNanos() < beforeNanos) {
          best = Math.max(best, op.seq());
        }
      }
    }
    return best;
  }

  private static String key(int writer, int k) {
    return "w" + writer + "-k" + k;
  }
}

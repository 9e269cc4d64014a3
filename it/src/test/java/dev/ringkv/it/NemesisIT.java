package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.GetResult;
import dev.ringkv.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store's promises under faults that are not crashes, and under crashes: 5 nodes, rep 3,
 * QUORUM, client defaults. Eight threads, each with its own client, each rewriting its own keys
 * over and over and reading everybody's; after a no-fault phase, a nemesis injects one kind of
 * fault for {@link #FAULT_PHASE}; then the cluster settles, runs a second no-fault phase, and the
 * whole history is checked (see
 * {@link History}): nothing acknowledged lost, no stale or not-found read, no value never
 * written, and no failed request, since never more than one replica of a key is faulty.
 *
 * <p>Each run draws a seed for the nemesis and the workload and prints it; a failure names it.
 * {@code -Dringkv.seed=N} replays a run's choices (timings on a shared machine vary).
 */
@Timeout(300)
class NemesisIT {

  private static final int THREADS = 8;
  private static final int KEYS_PER_THREAD = 4;
  private static final Duration WARM_UP = Duration.ofSeconds(2);
  private static final Duration BASELINE = Duration.ofSeconds(5);
  private static final Duration FAULT_PHASE = Duration.ofSeconds(30);
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private final long seed = Long.getLong("ringkv.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private final History history = new History();
  private final List<String> nemesisLog = new ArrayList<>();

  /** One kind of fault, injected again and again; each step ends with the fault undone. */
  private interface Nemesis {
    void step(LocalCluster cluster) throws Exception;
  }

  @Test
  void pausedNodes() throws Exception {
    run((cluster) -> {
      String victim = anyNode(cluster);
      long pauseMs = 2_000 + random.nextInt(4_000); // often past the failure timeout
      cluster.pause(victim);
      try {
        nemesisLog.add("STOP " + victim + " " + pauseMs + "ms");
        Thread.sleep(pauseMs); // the length of the fault, not a wait for a condition
      } finally {
        cluster.resume(victim);
      }
      cluster.awaitSettled(SETTLE);
    });
  }

  @Test
  void aPartitionedNodeThatStillHeartbeatsIsRoutedAround() throws Exception {
    List<long[]> windows = new ArrayList<>();
    try (Partitions partitions = new Partitions()) {
      run((cluster) -> {
        String victim = anyNode(cluster);
        long cutMs = 5_000 + random.nextInt(5_000);
        long start = System.nanoTime();
        partitions.cut(cluster.port(victim));
        try {
          nemesisLog.add(java.time.LocalTime.now() + " cut " + victim + " " + cutMs + "ms");
          // Calls to the victim during the cut leave this process's connection to it stalled in
          // TCP retransmission backoff, as the clients' are: once the cut heals, the settle
          // below then waits until connections to the victim have recovered, so the next cut
          // never overlaps the last one's aftermath (which would be two faults, not one).
          long cutEnd = start + TimeUnit.MILLISECONDS.toNanos(cutMs);
          while (System.nanoTime() < cutEnd) {
            cluster.probe(victim);
            Thread.sleep(100); // the probes' pace
          }
          assertThat(cluster.table().node(victim).orElseThrow().isUp())
              .as("%s still heartbeats: a gray failure, not a DOWN node", victim).isTrue();
        } finally {
          windows.add(new long[] {start, System.nanoTime()});
          partitions.heal(cluster.port(victim));
        }
        cluster.awaitSettled(SETTLE);
      });
    }
    assertThat(Partitions.leftoverRules()).as("iptables rules left behind").isEmpty();
    double during = windows.stream().mapToDouble(w -> history.throughput(w[0], w[1]) * (w[1] - w[0]))
        .sum() / windows.stream().mapToLong(w -> w[1] - w[0]).sum();
    long p99 = windows.stream().mapToLong(w -> history.p99Ms(w[0], w[1])).max().orElse(0);
    System.out.printf("partition: %.0f ops/s during the cuts vs %.0f ops/s without faults, "
        + "p99 %d ms (seed %d)%n", during, baseline, p99, seed);
    assertThat(during).as("throughput while one node of 5 is cut off (seed %d)", seed)
        .isGreaterThanOrEqualTo(0.5 * baseline);
  }

  @Test
  void managerKilledAndRestartedWhileNodesDie() throws Exception {
    run((cluster) -> {
      String node = random.nextBoolean() ? anyNode(cluster) : null;
      cluster.kill9("manager");
      nemesisLog.add("kill manager" + (node == null ? "" : " and " + node));
      if (node != null) {
        cluster.kill9(node);
      }
      Thread.sleep(500 + random.nextInt(2_000));
      cluster.restart("manager");
      if (node != null) {
        cluster.restart(node);
      }
      cluster.awaitSettled(SETTLE);
    });
  }

  @Test
  void rollingGracefulRestartOfEveryProcess() throws Exception {
    run((cluster) -> {
      List<String> order = new ArrayList<>(List.of("manager"));
      order.addAll(cluster.storageNodeIds());
      for (String id : order) {
        long stopMs = cluster.terminateTogether(List.of(id), Duration.ofSeconds(20));
        nemesisLog.add("restart " + id + " (stopped in " + stopMs + "ms)");
        cluster.restart(id);
        cluster.awaitSettled(SETTLE);
      }
    });
  }

  @Test
  void nodesKilledAndRestarted() throws Exception {
    run((cluster) -> {
      String victim = anyNode(cluster);
      cluster.kill9(victim);
      nemesisLog.add("kill -9 " + victim);
      Thread.sleep(500 + random.nextInt(3_000));
      cluster.restart(victim);
      cluster.awaitSettled(SETTLE);
    });
  }

  // ------------------------------------------------------------------------------------------

  private double baseline;

  private void run(Nemesis nemesis) throws Exception {
    System.out.println("nemesis seed " + seed);
    try (LocalCluster cluster = LocalCluster.start(5, 3)) {
      AtomicBoolean running = new AtomicBoolean(true);
      List<KvClient> clients = new ArrayList<>();
      ExecutorService workers = Executors.newFixedThreadPool(THREADS);
      try {
        long started = System.nanoTime();
        for (int t = 0; t < THREADS; t++) {
          KvClient kv = cluster.client();
          clients.add(kv);
          int thread = t;
          long threadSeed = random.nextLong();
          workers.submit(() -> work(kv, thread, new Random(threadSeed), running));
        }
        Thread.sleep(WARM_UP.plus(BASELINE).toMillis()); // the no-fault phase's length
        long baselineStart = started + WARM_UP.toNanos();
        baseline = history.throughput(baselineStart, baselineStart + BASELINE.toNanos());
        long end = System.nanoTime() + FAULT_PHASE.toNanos();
        while (System.nanoTime() < end) {
          nemesis.step(cluster);
        }
        // A second no-fault phase, warm: the first one runs on cold JVMs, so the better of the
        // two is what faults are compared with.
        cluster.awaitSettled(SETTLE);
        long afterStart = System.nanoTime();
        Thread.sleep(BASELINE.toMillis()); // the no-fault phase's length
        baseline = Math.max(baseline,
            history.throughput(afterStart, afterStart + BASELINE.toNanos()));
      } finally {
        running.set(false);
        workers.shutdown();
        assertThat(workers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        clients.forEach(KvClient::close);
      }
      cluster.awaitSettled(SETTLE);
      History.Verdict verdict = history.check(finalValues(cluster));
      System.out.printf("nemesis seed %d: %s, baseline %.0f ops/s, faults %s%n", seed,
          verdict.summary(), baseline, nemesisLog);
      if (!verdict.clean()) {
        verdict.lost().stream().limit(20).forEach(l -> System.out.println("LOST " + l));
        verdict.stale().stream().limit(20).forEach(l -> System.out.println("STALE " + l));
        verdict.neverWritten().stream().limit(20).forEach(l -> System.out.println("BOGUS " + l));
      }
      assertThat(verdict.operations()).as("operations (seed %d)", seed).isGreaterThan(1_000);
      assertThat(verdict.clean()).as("%s (seed %d)", verdict.summary(), seed).isTrue();
    }
  }

  /** Half writes of the thread's own keys (each a new sequence), half reads of any key. */
  private void work(KvClient kv, int thread, Random random, AtomicBoolean running) {
    long[] seq = new long[KEYS_PER_THREAD];
    while (running.get()) {
      long start = System.nanoTime();
      if (random.nextBoolean()) {
        int k = random.nextInt(KEYS_PER_THREAD);
        long s = ++seq[k];
        boolean ok = attempt(() -> kv.put(key(thread, k), "s" + s));
        history.add(new History.Op(true, key(thread, k), s, start, System.nanoTime(), ok));
      } else {
        String key = key(random.nextInt(THREADS), random.nextInt(KEYS_PER_THREAD));
        long[] read = {-1};
        boolean ok = attempt(() -> read[0] = seqOf(kv.get(key)));
        history.add(new History.Op(false, key, read[0], start, System.nanoTime(), ok));
      }
    }
  }

  private static boolean attempt(Runnable op) {
    try {
      op.run();
      return true;
    } catch (RuntimeException e) {
      System.out.println(java.time.LocalTime.now() + " failed: " + e.getMessage());
      return false;
    }
  }

  private static Map<String, Long> finalValues(LocalCluster cluster) {
    Map<String, Long> values = new HashMap<>();
    try (KvClient kv = cluster.client()) {
      for (int t = 0; t < THREADS; t++) {
        for (int k = 0; k < KEYS_PER_THREAD; k++) {
          values.put(key(t, k), seqOf(kv.get(key(t, k))));
        }
      }
    }
    return values;
  }

  /**
   * The sequence a read saw: -1 for not found; for a value not of the writers' form "sN", one no
   * writer ever attempts, so the checker reports it as never written.
   */
  private static long seqOf(GetResult result) {
    return result.value()
        .map(v -> v.matches("s\\d{1,18}") ? Long.parseLong(v.substring(1)) : Long.MAX_VALUE)
        .orElse(-1L);
  }

  private String anyNode(LocalCluster cluster) {
    List<String> ids = cluster.storageNodeIds();
    return ids.get(random.nextInt(ids.size()));
  }

  private static String key(int thread, int k) {
    return "t" + thread + "-k" + k;
  }
}

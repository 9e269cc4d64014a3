package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store's promises under faults that are not crashes, and under crashes: 5 nodes, rep 3,
 * QUORUM, client defaults, under the {@link Workload}; after a no-fault phase, a nemesis injects
 * faults for
 * {@code ringkv.nemesis.seconds} (default 35); then the cluster settles, runs a second no-fault
 * phase, and the whole history is checked (see {@link History}): nothing acknowledged lost, no
 * stale or not-found read, no value never written, and no failed request, since never more than
 * one replica of a key is faulty.
 *
 * <p>Each step faults one storage node: a pause ({@code kill -STOP}), a partition that leaves its
 * heartbeats through, a {@code kill -9} and restart, or a graceful restart. The kinds come round
 * in a shuffled order, so every run has each at least once. The cluster has three managers;
 * about every other step the leading one is killed or gracefully restarted while the node's
 * fault lasts, so another takes over mid-fault.
 *
 * <p>Each run draws a seed for the nemesis and the workload and prints it; a failure names it.
 * {@code -Dringkv.seed=N} replays a run's choices (timings on a shared machine vary);
 * {@code -Dringkv.nemesis.faults=PAUSE,PARTITION} narrows the kinds and
 * {@code -Dringkv.nemesis.seconds=600} makes a soak run of it.
 */
@Timeout(600)
class NemesisIT {

  private static final Duration WARM_UP = Duration.ofSeconds(2);
  private static final Duration BASELINE = Duration.ofSeconds(5);
  private static final Duration FAULT_PHASE =
      Duration.ofSeconds(Long.getLong("ringkv.nemesis.seconds", 35));
  private static final Duration SETTLE = Duration.ofSeconds(60);
  // The nodes' default: how long a coordinator waits for a replica's answer.
  private static final long REPLICA_TIMEOUT_MS = 1_000;

  private final long seed = Long.getLong("ringkv.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private History history;
  private final List<String> nemesisLog = new ArrayList<>();
  private final List<long[]> cutWindows = new ArrayList<>();

  /** What a step does to its storage node. */
  enum Fault { PAUSE, PARTITION, KILL, RESTART }

  @Test
  void overlappingFaultsOfOneNodeAndTheLeadingManagerLoseNothing() throws Exception {
    List<Fault> kinds = kinds();
    try (Partitions partitions = new Partitions()) {
      run(kinds.size(), (cluster, step) -> {
        if (step % kinds.size() == 0) {
          Collections.shuffle(kinds, random);
        }
        faultOneNode(cluster, partitions, kinds.get(step % kinds.size()));
        cluster.awaitSettled(SETTLE);
      });
    }
    assertThat(Partitions.leftoverRules()).as("iptables rules left behind").isEmpty();
    if (!cutWindows.isEmpty()) {
      assertPartitionedNodeWasRoutedAround();
    }
  }

  private static List<Fault> kinds() {
    String names = System.getProperty("ringkv.nemesis.faults", "");
    return new ArrayList<>(names.isBlank() ? List.of(Fault.values())
        : Arrays.stream(names.split(",")).map(String::trim).map(Fault::valueOf).toList());
  }

  /** One step: the node's fault begins, the manager's (if any) comes and goes, the node's ends. */
  private void faultOneNode(LocalCluster cluster, Partitions partitions, Fault fault)
      throws Exception {
    String victim = anyNode(cluster);
    long holdMs = switch (fault) {
      case PAUSE -> 2_000 + random.nextInt(4_000); // often past the failure timeout
      case PARTITION -> 5_000 + random.nextInt(5_000);
      case KILL -> 500 + random.nextInt(3_000);
      case RESTART -> 0;
    };
    boolean managerToo = random.nextBoolean();
    long start = System.nanoTime();
    begin(cluster, partitions, fault, victim);
    nemesisLog.add(LocalTime.now() + " " + fault + " " + victim + " " + holdMs + "ms");
    try {
      if (managerToo) {
        faultManager(cluster);
      }
      long end = start + TimeUnit.MILLISECONDS.toNanos(holdMs);
      while (System.nanoTime() < end) {
        if (fault == Fault.PARTITION) {
          // Calls to the victim during the cut leave this process's connection to it stalled in
          // TCP retransmission backoff, as the clients' are: once the cut heals, the settle then
          // waits until connections to the victim have recovered, so the next cut never overlaps
          // the last one's aftermath (which would be two faulty replicas, not one).
          cluster.probe(victim);
        }
        Thread.sleep(100); // the length of the fault, not a wait for a condition
      }
      if (fault == Fault.PARTITION && !managerToo) {
        assertThat(cluster.table().node(victim).orElseThrow().isUp())
            .as("%s still heartbeats: a gray failure, not a DOWN node", victim).isTrue();
      }
    } finally {
      end(cluster, partitions, fault, victim);
      if (fault == Fault.PARTITION) {
        cutWindows.add(new long[] {start, System.nanoTime()});
      }
    }
  }

  private static void begin(LocalCluster cluster, Partitions partitions, Fault fault,
      String victim) {
    switch (fault) {
      case PAUSE -> cluster.pause(victim);
      case PARTITION -> partitions.cut(cluster.port(victim));
      case KILL -> cluster.kill9(victim);
      case RESTART -> cluster.terminateTogether(List.of(victim), Duration.ofSeconds(20));
    }
  }

  private static void end(LocalCluster cluster, Partitions partitions, Fault fault,
      String victim) {
    switch (fault) {
      case PAUSE -> cluster.resume(victim);
      case PARTITION -> partitions.heal(cluster.port(victim));
      case KILL, RESTART -> cluster.restart(victim);
    }
  }

  /**
   * The leading manager is killed or gracefully stopped, and restarted after a moment; the
   * others elect a new leader meanwhile.
   */
  private void faultManager(LocalCluster cluster) throws InterruptedException {
    String leader = Poll.until(Duration.ofSeconds(20), "a leading manager",
        () -> cluster.leadingManager().orElse(null));
    if (random.nextBoolean()) {
      cluster.kill9(leader);
      nemesisLog.add("and kill -9 " + leader + " (leading)");
    } else {
      long stopMs = cluster.terminateTogether(List.of(leader), Duration.ofSeconds(20));
      nemesisLog.add("and stop " + leader + " (leading, " + stopMs + "ms)");
    }
    Thread.sleep(500 + random.nextInt(2_000)); // the length of the fault
    cluster.restart(leader);
  }

  /**
   * Clients and coordinators route around a node they cannot reach although it heartbeats: a
   * request sent its way waits out a replica timeout, so without routing around, one in five
   * would, and the slowest percent of the cuts' requests would take at least that long. The
   * throughput during the cuts is only bounded loosely: a node that cannot be reached would
   * bring it down to a few percent, while a cut that overlaps a restarted node catching up or a
   * manager election on a saturated machine may cut it by half or more (one seed replayed gave
   * 29-70% of the baseline, servers of before and after a change alike; other runs 55-108%).
   */
  private void assertPartitionedNodeWasRoutedAround() {
    double during = cutWindows.stream()
        .mapToDouble(w -> history.throughput(w[0], w[1]) * (w[1] - w[0])).sum()
        / cutWindows.stream().mapToLong(w -> w[1] - w[0]).sum();
    long p99 = cutWindows.stream().mapToLong(w -> history.p99Ms(w[0], w[1])).max().orElse(0);
    System.out.printf("partition: %.0f ops/s during the cuts vs %.0f ops/s without faults, "
        + "p99 %d ms (seed %d)%n", during, baseline, p99, seed);
    assertThat(p99).as("p99 ms while one node of 5 is cut off, against a replica timeout of "
        + "%d ms (seed %d)", REPLICA_TIMEOUT_MS, seed).isLessThan(REPLICA_TIMEOUT_MS);
    assertThat(during).as("throughput while one node of 5 is cut off (seed %d)", seed)
        .isGreaterThanOrEqualTo(0.25 * baseline);
  }

  // ------------------------------------------------------------------------------------------

  private double baseline;

  /** Injects the {@code step}th fault and waits until the cluster has settled after it. */
  private interface Nemesis {
    void step(LocalCluster cluster, int step) throws Exception;
  }

  /** Runs the workload with the nemesis for the fault phase, and at least {@code minSteps} steps. */
  private void run(int minSteps, Nemesis nemesis) throws Exception {
    System.out.println("nemesis seed " + seed);
    try (LocalCluster cluster = LocalCluster.start(3, 5, 3, LocalCluster.Options.defaults())) {
      Workload workload = new Workload(cluster, random);
      EpochWatch epochs = new EpochWatch(cluster.client());
      history = workload.history();
      try {
        long started = System.nanoTime();
        Thread.sleep(WARM_UP.plus(BASELINE).toMillis()); // the no-fault phase's length
        long baselineStart = started + WARM_UP.toNanos();
        baseline = history.throughput(baselineStart, baselineStart + BASELINE.toNanos());
        long end = System.nanoTime() + FAULT_PHASE.toNanos();
        for (int step = 0; step < minSteps || System.nanoTime() < end; step++) {
          nemesis.step(cluster, step);
        }
        // A second no-fault phase, warm: the first one runs on cold JVMs, so the better of the
        // two is what faults are compared with.
        cluster.awaitSettled(SETTLE);
        long afterStart = System.nanoTime();
        Thread.sleep(BASELINE.toMillis()); // the no-fault phase's length
        baseline = Math.max(baseline,
            history.throughput(afterStart, afterStart + BASELINE.toNanos()));
      } finally {
        workload.stop();
        epochs.close();
      }
      cluster.awaitSettled(SETTLE);
      History.Verdict verdict = workload.check(cluster, seed);
      System.out.printf("nemesis seed %d: baseline %.0f ops/s, faults %s%n", seed, baseline,
          nemesisLog);
      assertThat(verdict.operations()).as("operations (seed %d)", seed).isGreaterThan(1_000);
      assertThat(epochs.decreases()).as("times a client's epoch went back (seed %d)", seed)
          .isZero();
      assertThat(verdict.clean()).as("%s (seed %d)", verdict.summary(), seed).isTrue();
    }
  }

  private String anyNode(LocalCluster cluster) {
    List<String> ids = cluster.storageNodeIds();
    return ids.get(random.nextInt(ids.size()));
  }

}

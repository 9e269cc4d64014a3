package dev.ringkv.bench;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Kills the leading manager of a running cluster after a delay, then times how long until
 * another manager says it leads: the failover a benchmark run goes through.
 */
final class LeaderKill {

  private final CompletableFuture<String> outcome;

  private LeaderKill(CompletableFuture<String> outcome) {
    this.outcome = outcome;
  }

  static LeaderKill after(ClusterLauncher cluster, double seconds) {
    return new LeaderKill(CompletableFuture.supplyAsync(() -> killAndTime(cluster),
        CompletableFuture.delayedExecutor((long) (seconds * 1000), TimeUnit.MILLISECONDS)));
  }

  private static String killAndTime(ClusterLauncher cluster) {
    try {
      Optional<String> leader = cluster.leadingManager();
      if (leader.isEmpty()) {
        return "no manager led when the kill was due";
      }
      long killed = System.nanoTime();
      cluster.kill(leader.get());
      long deadline = killed + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        Optional<String> next = cluster.leadingManager();
        if (next.isPresent() && !next.get().equals(leader.get())) {
          return String.format("killed the leading manager %s; %s led %d ms later",
              leader.get(), next.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
        }
        Thread.sleep(20); // polling the managers for the new leader
      }
      return "killed the leading manager " + leader.get() + "; no other led within 30 s";
    } catch (Exception e) {
      return "the leader kill failed: " + e.getMessage();
    }
  }

  /** What happened, once it has (waits for it). */
  String report() {
    return outcome.join();
  }
}

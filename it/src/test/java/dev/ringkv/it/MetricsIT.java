package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every process's {@code /metrics}, scraped by a real Prometheus server and read back through
 * its query API, as an operator's dashboard would: requests per second under load, nodes by
 * state at the manager, and the hints held for a replica that was killed, rising while it is
 * gone and draining to none once it is back.
 */
@Timeout(240)
class MetricsIT {

  private static final Duration WITHIN = Duration.ofSeconds(45);

  @Test
  void prometheusSeesTheLoadTheNodesAndTheHintsForAKilledReplica() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(4, 3,
            LocalCluster.Options.defaults().withMetrics());
         PrometheusServer prometheus = PrometheusServer.start(targets(cluster))) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong acknowledged = new AtomicLong();
      ExecutorService writer = Executors.newSingleThreadExecutor();
      KvClient kv = cluster.client();
      try {
        writer.submit(() -> {
          for (long i = 0; running.get(); i++) {
            try {
              kv.put("key" + (i % 500), "v" + i);
              acknowledged.incrementAndGet();
            } catch (RuntimeException e) {
              // a write the cluster could not take is retried by the loop's next key
            }
          }
        });
        await(prometheus, "count(up{job=\"ringkv\"} == 1)", v -> v == 5,
            "Prometheus to scrape all 5 processes");
        await(prometheus, "sum(rate(ringkv_requests_total{operation=\"put\",outcome=\"ok\"}[15s]))",
            v -> v > 0, "the put rate to show");
        await(prometheus, "sum(ringkv_record_cache_lookups_total{result=\"hit\"})", v -> v > 0,
            "writes of the same keys again to find their records in the nodes' caches");
        await(prometheus, "sum(ringkv_wal_flushes_total)", v -> v > 0,
            "the write-ahead log's flushes to be counted");
        await(prometheus, "sum(ringkv_store_writes_total)", v -> v > 0,
            "the store's writes to be counted");
        await(prometheus, "ringkv_manager_nodes{state=\"up\"}", v -> v == 4,
            "the manager to count 4 nodes up");
        assertThat(prometheus.query("sum(ringkv_hints_held) or vector(0)")).contains(0.0);

        cluster.kill9("server4");
        await(prometheus, "sum(ringkv_hints_held) or vector(0)", v -> v > 0,
            "hints for the killed server4 to show");
        await(prometheus, "ringkv_manager_nodes{state=\"down\"}", v -> v == 1,
            "the manager to count 1 node down");
        await(prometheus, "sum(ringkv_hints_stored_total)", v -> v > 0,
            "the hints stored to be counted");

        cluster.restart("server4");
        await(prometheus, "sum(ringkv_hints_held) or vector(0)", v -> v == 0,
            "the hints to drain to server4 once it is back");
        await(prometheus, "sum(ringkv_hints_delivered_total)", v -> v > 0,
            "the hints handed off to be counted");
        await(prometheus, "ringkv_manager_state_changes_total{state=\"down\"}", v -> v == 1,
            "the manager to count server4's one change to DOWN");
      } finally {
        running.set(false);
        writer.shutdown();
        assertThat(writer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        kv.close();
      }
      assertThat(acknowledged.get()).as("writes acknowledged during the test").isPositive();
    }
  }

  private static List<String> targets(LocalCluster cluster) {
    List<String> targets = new ArrayList<>();
    targets.add("127.0.0.1:" + cluster.metricsPort("manager"));
    for (String id : cluster.storageNodeIds()) {
      targets.add("127.0.0.1:" + cluster.metricsPort(id));
    }
    return targets;
  }

  private interface Check {
    boolean holds(double value);
  }

  private static void await(PrometheusServer prometheus, String promql, Check check,
      String what) {
    double[] last = {Double.NaN};
    try {
      Poll.untilTrue(WITHIN, what + " (" + promql + ")", () -> prometheus.query(promql)
          .map(v -> {
            last[0] = v;
            return check.holds(v);
          }).orElse(false));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(what + ": " + promql + " was last " + last[0]
          + "\nPrometheus log:\n" + prometheus.log(), e);
    }
  }
}

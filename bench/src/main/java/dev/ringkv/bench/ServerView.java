package dev.ringkv.bench;

import dev.ringkv.metrics.MetricsText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nodes' side of a run, read from their {@code /metrics} before and after it: how many
 * requests each coordinated per second, and how much CPU each used, so that imbalance between
 * nodes shows next to the client's figures.
 */
final class ServerView {

  /** One node over the run: requests it coordinated per second, and its CPU in % of a core. */
  record NodeLoad(String node, double opsPerSecond, double cpuPercent) {}

  /** What each node's metrics said at one moment. */
  record Snapshot(long atNanos, Map<String, double[]> requestsAndCpu) {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ServerView() {}

  /** Scrapes every node in {@code metricsAddresses} (node id to host:port); skips the silent. */
  static Snapshot scrape(Map<String, String> metricsAddresses) {
    Map<String, double[]> values = new TreeMap<>();
    long at = System.nanoTime();
    metricsAddresses.forEach((node, address) -> {
      try {
        HttpResponse<String> reply = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://" + address + "/metrics")).timeout(Duration.ofSeconds(2))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() == 200) {
          List<MetricsText.Sample> samples = MetricsText.parse(reply.body());
          values.put(node, new double[] {MetricsText.sum(samples, "ringkv_requests_total"),
              MetricsText.sum(samples, "process_cpu_seconds_total")});
        }
      } catch (IOException e) {
        // a node that does not answer is left out of the view
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    return new Snapshot(at, values);
  }

  /** Each node's load between two snapshots, for nodes present in both. */
  static List<NodeLoad> between(Snapshot before, Snapshot after) {
    double seconds = (after.atNanos() - before.atNanos()) / 1e9;
    List<NodeLoad> loads = new ArrayList<>();
    after.requestsAndCpu().forEach((node, now) -> {
      double[] then = before.requestsAndCpu().get(node);
      if (then != null && seconds > 0) {
        loads.add(new NodeLoad(node, (now[0] - then[0]) / seconds,
            100 * (now[1] - then[1]) / seconds));
      }
    });
    return loads;
  }

  /** One line: each node's ops/s and CPU, and the spread of ops/s (max over min). */
  static String describe(List<NodeLoad> loads) {
    if (loads.isEmpty()) {
      return "  nodes: no metrics (started with --no-metrics)";
    }
    StringBuilder line = new StringBuilder("  nodes:");
    for (NodeLoad load : loads) {
      line.append(String.format(" %s %,.0f ops/s %.0f%% CPU;", load.node(), load.opsPerSecond(),
          load.cpuPercent()));
    }
    double max = loads.stream().mapToDouble(NodeLoad::opsPerSecond).max().orElse(0);
    double min = loads.stream().mapToDouble(NodeLoad::opsPerSecond).min().orElse(0);
    return line.append(String.format(" busiest/idlest %.2f", min > 0 ? max / min : 0))
        .toString();
  }
}

package dev.ringkv.bench;

import dev.ringkv.bench.report.Charts;
import dev.ringkv.bench.report.ResultFiles;
import dev.ringkv.client.KvClient;
import dev.ringkv.ring.Consistency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Throughput and latency against replication factor, each on a fresh cluster. */
@Command(name = "throughput", mixinStandardHelpOptions = true, sortOptions = false,
    description = "For each replication factor in --reps: start a fresh cluster of --nodes, "
        + "write every key once, warm up, run --ops operations (--read-ratio reads) with "
        + "--concurrency outstanding, record ops/s and latency percentiles, stop the cluster. "
        + "Writes throughput.csv, throughput.json and throughput.png.")
final class ThroughputCommand implements Callable<Integer> {

  /** One replication factor's figures. */
  record Row(int nodes, int rep, String consistency, long ops, long errors, double seconds,
      double opsPerSecond, double p50Ms, double p95Ms, double p99Ms, double maxMs) {}

  /** One node in one run, from its metrics: requests it coordinated per second, CPU used. */
  record NodeRow(int rep, String node, double opsPerSecond, double cpuPercent) {}

  @Option(names = "--reps", split = ",", description = "Replication factors (default: 1,3,5).")
  List<Integer> reps = List.of(1, 3, 5);

  @Option(names = "--nodes", description = "Storage nodes (default: ${DEFAULT-VALUE}).")
  int nodes = 7;

  @Option(names = "--no-metrics", description = "Start the nodes without their metrics "
      + "endpoints (to measure what metrics cost).")
  boolean noMetrics;

  @Option(names = "--consistency", description = "ONE, QUORUM or ALL "
      + "(default: ${DEFAULT-VALUE}).")
  Consistency consistency = Consistency.QUORUM;

  @Option(names = "--managers", description = "Managers: 1, 3 or 5 (default: ${DEFAULT-VALUE}).")
  int managers = 1;

  @Option(names = "--kill-leading-manager-after", paramLabel = "SECONDS", description = "That "
      + "many seconds into each measured run, kill -9 the leading manager, and report how long "
      + "until another leads (needs --managers 3 or 5; default: never).")
  double killLeaderAfterSeconds = -1;

  @Mixin
  LoadOptions load;

  @Mixin
  OutputOptions output;

  @Override
  public Integer call() throws Exception {
    check();
    Path repo = output.repositoryRoot();
    Path out = output.out;
    Files.createDirectories(out);
    List<Row> rows = new ArrayList<>();
    List<NodeRow> nodeRows = new ArrayList<>();
    for (int rep : reps) {
      System.out.printf("throughput: %d nodes, replication %d, %s, %,d ops, %d outstanding%n",
          nodes, rep, consistency, load.ops, load.concurrency);
      Path runDir = Files.createTempDirectory("ringkv-bench-");
      try (ClusterLauncher cluster = ClusterLauncher.start(repo, runDir, managers, nodes, rep,
          noMetrics ? List.of("--metrics-port", "-1") : List.of());
           KvClient kv = cluster.newClient()) {
        LoadGenerator generator = load.generator(LoadTarget.ringkv(kv, consistency));
        load.loadAndWarmUp(generator, "rep " + rep);
        ServerView.Snapshot before = ServerView.scrape(cluster.metricsAddresses());
        LeaderKill kill = killLeaderAfterSeconds < 0 ? null
            : LeaderKill.after(cluster, killLeaderAfterSeconds);
        LoadGenerator.Measurement m = generator.run(load.ops, "rep " + rep);
        if (kill != null) {
          System.out.println("  " + kill.report());
        }
        List<ServerView.NodeLoad> nodeLoads =
            ServerView.between(before, ServerView.scrape(cluster.metricsAddresses()));
        Row row = toRow(rep, m);
        rows.add(row);
        nodeLoads.forEach(n -> nodeRows.add(new NodeRow(rep, n.node(), n.opsPerSecond(),
            n.cpuPercent())));
        System.out.printf("  rep %d: %,.0f ops/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, "
            + "max %.1f ms, %d errors%n", rep, row.opsPerSecond(), row.p50Ms(), row.p95Ms(),
            row.p99Ms(), row.maxMs(), row.errors());
        System.out.println(ServerView.describe(nodeLoads));
      }
    }
    ResultFiles.writeCsv(out.resolve("throughput.csv"), rows);
    ResultFiles.writeJson(out.resolve("throughput.json"), rows);
    if (!nodeRows.isEmpty()) {
      ResultFiles.writeCsv(out.resolve("throughput-nodes.csv"), nodeRows);
    }
    Charts.throughput(out.resolve("throughput.png"), rows);
    System.out.println(ResultFiles.table(rows));
    System.out.println("wrote " + out.resolve("throughput.csv") + ", throughput.json, "
        + "throughput.png" + (nodeRows.isEmpty() ? "" : ", throughput-nodes.csv"));
    return rows.stream().anyMatch(r -> r.errors() > 0) ? 1 : 0;
  }

  private Row toRow(int rep, LoadGenerator.Measurement m) {
    return new Row(nodes, rep, consistency.name(), m.ops(), m.errors(), m.seconds(),
        m.opsPerSecond(), m.percentileMs(50), m.percentileMs(95), m.percentileMs(99), m.maxMs());
  }

  private void check() {
    for (int rep : reps) {
      if (rep < 1 || rep > nodes) {
        throw new IllegalArgumentException("replication factor " + rep + " must be 1 to --nodes ("
            + nodes + ")");
      }
    }
    if (managers != 1 && managers != 3 && managers != 5) {
      throw new IllegalArgumentException("--managers must be 1, 3 or 5, got " + managers);
    }
    if (killLeaderAfterSeconds >= 0 && managers == 1) {
      throw new IllegalArgumentException("--kill-leading-manager-after needs --managers 3 or 5: "
          + "a manager alone has nobody to take over");
    }
    load.check();
  }
}

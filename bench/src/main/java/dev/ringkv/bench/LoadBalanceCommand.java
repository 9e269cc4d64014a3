package dev.ringkv.bench;

import dev.ringkv.bench.report.Charts;
import dev.ringkv.bench.report.ResultFiles;
import dev.ringkv.client.KvClient;
import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.Node;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How evenly keys spread: insert, then ask every node how many keys it holds. */
@Command(name = "loadbalance", mixinStandardHelpOptions = true, sortOptions = false,
    description = "For each replication factor in --reps: start a fresh cluster of --nodes, "
        + "insert --inserts distinct keys (each on all its replicas), then ask each node itself "
        + "how many keys it holds. Prints a histogram and the max/mean ratio per replication "
        + "factor; writes loadbalance.csv, loadbalance.json and loadbalance.png.")
final class LoadBalanceCommand implements Callable<Integer> {

  /** Keys one node reports holding. */
  record Row(String node, long keys) {}

  /** Keys one node reports holding, in the cluster of one replication factor. */
  record RepRow(int rep, String node, long keys) {}

  @Option(names = "--reps", split = ",", description = "Replication factors (default: 1,3).")
  List<Integer> reps = List.of(1, 3);

  @Option(names = "--nodes", description = "Storage nodes (default: ${DEFAULT-VALUE}).")
  int nodes = 7;

  @Option(names = "--inserts", description = "Distinct keys inserted (default: ${DEFAULT-VALUE}).")
  int inserts = 100_000;

  @Option(names = "--concurrency", description = "Requests outstanding "
      + "(default: ${DEFAULT-VALUE}).")
  int concurrency = 64;

  @Mixin
  OutputOptions output;

  @Override
  public Integer call() throws Exception {
    if (nodes < 1 || inserts < 1 || concurrency < 1) {
      throw new IllegalArgumentException("--nodes, --inserts and --concurrency must be positive");
    }
    for (int rep : reps) {
      if (rep < 1 || rep > nodes) {
        throw new IllegalArgumentException("each of --reps must be from 1 to --nodes (" + nodes
            + "), got " + rep);
      }
    }
    Path out = output.out;
    Files.createDirectories(out);
    Map<Integer, List<Row>> byRep = new LinkedHashMap<>();
    Map<Integer, Double> maxOverMean = new LinkedHashMap<>();
    boolean complete = true;
    for (int rep : reps) {
      System.out.printf("loadbalance: %,d inserts on %d nodes, replication %d%n", inserts, nodes,
          rep);
      List<Row> rows = keysPerNode(rep);
      long total = rows.stream().mapToLong(Row::keys).sum();
      double mean = (double) total / rows.size();
      long max = rows.stream().mapToLong(Row::keys).max().orElse(0);
      byRep.put(rep, rows);
      maxOverMean.put(rep, max / mean);
      System.out.print(ResultFiles.histogram(rows));
      System.out.printf("rep %d: total %,d keys (inserted %,d x %d), mean %,.0f per node, "
          + "max/mean %.3f%n", rep, total, inserts, rep, mean, max / mean);
      complete &= total == (long) inserts * rep;
    }
    List<RepRow> all = byRep.entrySet().stream().flatMap(e -> e.getValue().stream()
        .map(r -> new RepRow(e.getKey(), r.node(), r.keys()))).toList();
    ResultFiles.writeCsv(out.resolve("loadbalance.csv"), all);
    ResultFiles.writeJson(out.resolve("loadbalance.json"), all);
    Charts.loadBalance(out.resolve("loadbalance.png"), byRep, maxOverMean);
    System.out.println("wrote " + out.resolve("loadbalance.csv")
        + ", loadbalance.json, loadbalance.png");
    return complete ? 0 : 1;
  }

  /** Inserts into a fresh cluster at {@code rep}, on every replica, and asks each node. */
  private List<Row> keysPerNode(int rep) throws Exception {
    Path runDir = Files.createTempDirectory("ringkv-bench-");
    try (ClusterLauncher cluster = ClusterLauncher.start(output.repositoryRoot(), runDir, 1, nodes,
        rep, List.of());
         KvClient kv = cluster.newClient()) {
      LoadGenerator.Measurement m = new LoadGenerator(LoadTarget.ringkv(kv, Consistency.ALL),
          inserts, 16, 0, concurrency).load("inserts");
      if (m.errors() > 0) {
        throw new IllegalStateException(m.errors() + " inserts failed");
      }
      List<Row> rows = new ArrayList<>();
      for (Node node : kv.refreshTable().nodes()) {
        rows.add(new Row(node.id(), keysHeldBy(node)));
      }
      return rows;
    }
  }

  /** The node's own count, not the client's idea of where keys went. */
  private static long keysHeldBy(Node node) {
    ManagedChannel channel =
        Grpc.newChannelBuilder(node.address(), InsecureChannelCredentials.create()).build();
    try {
      return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .nodeStatus(NodeStatusRequest.getDefaultInstance()).getLiveKeys();
    } finally {
      channel.shutdownNow();
    }
  }
}

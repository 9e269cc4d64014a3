package dev.ringkv.bench;

import dev.ringkv.bench.report.Charts;
import dev.ringkv.bench.report.ResultFiles;
import dev.ringkv.client.KvClient;
import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    description = "Start a fresh cluster of --nodes with replication 1, insert --inserts distinct "
        + "keys, then ask each node itself how many keys it holds. Prints a histogram and the "
        + "max/mean ratio; writes loadbalance.csv, loadbalance.json and loadbalance.png.")
final class LoadBalanceCommand implements Callable<Integer> {

  /** Keys one node reports holding. */
  record Row(String node, long keys) {}

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
    Path repo = output.repositoryRoot();
    Path out = output.out;
    Files.createDirectories(out);
    System.out.printf("loadbalance: %,d inserts on %d nodes, replication 1%n", inserts, nodes);
    Map<String, Long> perNode = new LinkedHashMap<>();
    Path runDir = Files.createTempDirectory("ringkv-bench-");
    try (ClusterLauncher cluster = ClusterLauncher.start(repo, runDir, nodes, 1, List.of());
         KvClient kv = KvClient.builder().manager(cluster.managerAddress())
             .deadline(Duration.ofSeconds(30)).callbacksOnNetworkThreads(true).build()) {
      LoadGenerator.Measurement m = new LoadGenerator(kv, inserts, 16, 0, concurrency,
          Consistency.ONE).load("inserts");
      if (m.errors() > 0) {
        throw new IllegalStateException(m.errors() + " inserts failed");
      }
      RingTable table = kv.refreshTable();
      for (Node node : table.nodes()) {
        perNode.put(node.id(), keysHeldBy(node));
      }
    }
    List<Row> rows = perNode.entrySet().stream().map(e -> new Row(e.getKey(), e.getValue()))
        .toList();
    long total = rows.stream().mapToLong(Row::keys).sum();
    double mean = (double) total / rows.size();
    long max = rows.stream().mapToLong(Row::keys).max().orElse(0);
    ResultFiles.writeCsv(out.resolve("loadbalance.csv"), rows);
    ResultFiles.writeJson(out.resolve("loadbalance.json"), rows);
    Charts.loadBalance(out.resolve("loadbalance.png"), rows, max / mean);
    System.out.print(ResultFiles.histogram(rows));
    System.out.printf("total %,d keys (inserted %,d), mean %,.0f per node, max/mean %.3f%n",
        total, inserts, mean, max / mean);
    System.out.println("wrote " + out.resolve("loadbalance.csv")
        + ", loadbalance.json, loadbalance.png");
    return total == inserts ? 0 : 1;
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

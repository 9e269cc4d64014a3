package dev.ringkv.bench;

import dev.ringkv.bench.report.ResultFiles;
import dev.ringkv.client.KvClient;
import dev.ringkv.ring.Consistency;
import io.etcd.jetcd.Client;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** ringkv against etcd, the same load on the same machine, one after the other. */
@Command(name = "compare-etcd", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Start --nodes ringkv nodes at replication --nodes (QUORUM reads and writes), "
        + "run the load, stop them; then start an etcd cluster of as many members (etcd's "
        + "linearizable reads and writes, through jetcd), run the same load, stop it. Prints "
        + "both and their ratio; writes compare-etcd.csv and compare-etcd.json. Needs etcd "
        + "installed (Debian: apt-get install etcd-server).")
final class CompareEtcdCommand implements Callable<Integer> {

  /** One store's figures. */
  record Row(String store, int nodes, long ops, long errors, double seconds, double opsPerSecond,
      double p50Ms, double p95Ms, double p99Ms, double maxMs) {}

  @Option(names = "--nodes", description = "ringkv nodes (replication as many) and etcd "
      + "members (default: ${DEFAULT-VALUE}).")
  int nodes = 3;

  @Option(names = "--etcd", paramLabel = "PATH", description = "The etcd binary (default: etcd "
      + "on the PATH).")
  Path etcd;

  @Mixin
  LoadOptions load;

  @Mixin
  OutputOptions output;

  @Override
  public Integer call() throws Exception {
    Path etcdBinary = findEtcd();
    if (nodes < 1) {
      throw new IllegalArgumentException("--nodes must be positive");
    }
    load.check();
    Files.createDirectories(output.out);
    List<Row> rows = new ArrayList<>();
    rows.add(measureRingkv());
    rows.add(measureEtcd(etcdBinary));
    ResultFiles.writeCsv(output.out.resolve("compare-etcd.csv"), rows);
    ResultFiles.writeJson(output.out.resolve("compare-etcd.json"), rows);
    System.out.println(ResultFiles.table(rows));
    System.out.printf("ringkv / etcd: %.1fx the ops/s%n",
        rows.get(0).opsPerSecond() / rows.get(1).opsPerSecond());
    System.out.println("wrote " + output.out.resolve("compare-etcd.csv") + ", compare-etcd.json");
    return rows.stream().anyMatch(r -> r.errors() > 0) ? 1 : 0;
  }

  private Row measureRingkv() throws Exception {
    System.out.printf("ringkv: %d nodes, replication %d, QUORUM, %,d ops, %d outstanding%n",
        nodes, nodes, load.ops, load.concurrency);
    Path runDir = Files.createTempDirectory("ringkv-bench-");
    try (ClusterLauncher cluster = ClusterLauncher.start(output.repositoryRoot(), runDir, 1, nodes,
        nodes, List.of());
         KvClient kv = cluster.newClient()) {
      return measure("ringkv", LoadTarget.ringkv(kv, Consistency.QUORUM));
    }
  }

  private Row measureEtcd(Path etcdBinary) throws Exception {
    System.out.printf("etcd: %d members, %,d ops, %d outstanding%n", nodes, load.ops,
        load.concurrency);
    Path dir = Files.createTempDirectory("ringkv-bench-etcd-");
    int basePort = ClusterLauncher.freePortRange(2 * nodes, 0);
    try (EtcdCluster cluster = EtcdCluster.start(etcdBinary, dir, nodes, basePort)) {
      List<Client> clients = cluster.newClients();
      try {
        return measure("etcd", LoadTarget.etcd(clients.stream().map(Client::getKVClient)
            .toList()));
      } finally {
        clients.forEach(Client::close);
      }
    }
  }

  private Row measure(String store, LoadTarget target) throws InterruptedException {
    LoadGenerator generator = load.generator(target);
    load.loadAndWarmUp(generator, store);
    LoadGenerator.Measurement m = generator.run(load.ops, store);
    System.out.printf("  %s: %,.0f ops/s, p99 %.2f ms, %d errors%n", store, m.opsPerSecond(),
        m.percentileMs(99), m.errors());
    return new Row(store, nodes, m.ops(), m.errors(), m.seconds(), m.opsPerSecond(),
        m.percentileMs(50), m.percentileMs(95), m.percentileMs(99), m.maxMs());
  }

  private Path findEtcd() {
    if (etcd != null) {
      if (!Files.isExecutable(etcd)) {
        throw new IllegalArgumentException("--etcd " + etcd + " is not an executable file");
      }
      return etcd;
    }
    Optional<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "")
            .split(File.pathSeparator))
        .map(dir -> Path.of(dir, "etcd")).filter(Files::isExecutable).findFirst();
    return onPath.orElseThrow(() -> new IllegalArgumentException("etcd is not installed: "
        + "install it (Debian: apt-get install etcd-server) or give --etcd PATH"));
  }
}

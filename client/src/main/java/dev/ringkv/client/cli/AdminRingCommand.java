package dev.ringkv.client.cli;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every range of the ring with its home replicas, in ring order. */
@Command(name = "ring", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Every range of the ring, in ring order: the token it ends at (a range holds "
        + "the keys hashing after the previous token, up to and including its own) and its home "
        + "replicas, the first of which owns the token.")
final class AdminRingCommand implements Callable<Integer> {

  /** One range, as {@code --json} prints it. */
  record RangeLine(long start, long end, List<String> replicas) {}

  @Mixin
  AdminOptions cluster = new AdminOptions();

  @Option(names = "--json", description = "Print JSON, for scripts.")
  boolean json;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    RingTable table;
    try (AdminConnection connection = new AdminConnection(cluster)) {
      table = connection.currentTable();
    }
    List<RangeLine> ranges = new ArrayList<>();
    for (TokenRange range : table.ranges()) {
      ranges.add(new RangeLine(range.start(), range.end(),
          table.homeReplicas(range.end()).stream().map(Node::id).toList()));
    }
    if (json) {
      TableJson.print(out, table, "ranges", ranges);
      return ExitCode.OK.code;
    }
    out.printf("cluster %s  epoch %d  replication %d  %d ranges%n", table.clusterId(),
        table.epoch(), table.replicationFactor(), ranges.size());
    out.printf("%-21s %s%n", "TOKEN", "REPLICAS");
    for (RangeLine r : ranges) {
      out.printf("%-21d %s%n", r.end(), String.join(",", r.replicas()));
    }
    return ExitCode.OK.code;
  }
}

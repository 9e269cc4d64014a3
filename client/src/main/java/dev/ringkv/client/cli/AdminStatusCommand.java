package dev.ringkv.client.cli;

import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.Ownership;
import dev.ringkv.ring.RingTable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** One line per node: state, what it holds, its share of the ring, its hints, caught up. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
    description = "One line per node: state, address, effective ownership (its share of the "
        + "ring at the replication factor, all replicas counted), keys and bytes held, hints held "
        + "for other nodes (count, age of the oldest), and whether it has caught up on every "
        + "range it serves (only then do its reads count).")
final class AdminStatusCommand implements Callable<Integer> {

  /** One node's line, as {@code --json} prints it; null where the node did not answer. */
  record NodeLine(String id, String state, String address, double ownershipPercent, Long keys,
      Long bytes, Long hints, Long oldestHintAgeMs, Integer rangesPending, Boolean caughtUp) {}

  @Mixin
  AdminOptions cluster = new AdminOptions();

  @Option(names = "--json", description = "Print JSON, for scripts.")
  boolean json;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (AdminConnection connection = new AdminConnection(cluster)) {
      RingTable table = connection.currentTable();
      List<NodeLine> lines = lines(table, connection.statusOfUpNodes(table));
      if (json) {
        TableJson.print(out, table, "nodes", lines);
        return ExitCode.OK.code;
      }
      out.printf("cluster %s  epoch %d  replication %d  nodes up %d/%d%n", table.clusterId(),
          table.epoch(), table.replicationFactor(), table.upCount(), table.nodes().size());
      out.printf("%-10s %-5s %-21s %7s %9s %9s %6s %11s %s%n", "NODE", "STATE", "ADDRESS", "OWNS",
          "KEYS", "BYTES", "HINTS", "OLDEST-HINT", "CAUGHT-UP");
      for (NodeLine l : lines) {
        out.printf("%-10s %-5s %-21s %6.1f%% %9s %9s %6s %11s %s%n", l.id(), l.state(),
            l.address(), l.ownershipPercent(), orDash(l.keys()), bytes(l.bytes()),
            orDash(l.hints()), age(l.oldestHintAgeMs(), l.hints()),
            l.caughtUp() == null ? "-" : l.caughtUp() ? "yes"
                : "no (" + l.rangesPending() + " ranges to pull)");
      }
      connection.managersLine().ifPresent(out::println);
      return ExitCode.OK.code;
    }
  }

  static List<NodeLine> lines(RingTable table, Map<String, NodeStatusReply> reports) {
    Map<String, List<Long>> tokens = new LinkedHashMap<>();
    table.nodes().forEach(n -> tokens.put(n.id(), n.tokens()));
    Map<String, Double> owned = Ownership.effective(tokens, table.replicationFactor());
    List<NodeLine> lines = new ArrayList<>();
    for (Node n : table.nodes()) {
      NodeStatusReply r = reports.get(n.id());
      double percent = Math.round(owned.getOrDefault(n.id(), 0.0) * 1000) / 10.0;
      lines.add(r == null
          ? new NodeLine(n.id(), n.state().name(), n.address(), percent, null, null, null, null,
              null, null)
          : new NodeLine(n.id(), n.state().name(), n.address(), percent, r.getLiveKeys(),
              r.getBytesHeld(), r.getHints(), r.getOldestHintAgeMs(), r.getRangesPending(),
              r.getCaughtUp()));
    }
    return lines;
  }

  private static String orDash(Object value) {
    return value == null ? "-" : value.toString();
  }

  private static String bytes(Long n) {
    if (n == null) {
      return "-";
    }
    if (n < 1024 * 1024) {
      return String.format("%.1f KiB", n / 1024.0);
    }
    return String.format("%.1f MiB", n / (1024.0 * 1024));
  }

  private static String age(Long ms, Long hints) {
    if (ms == null || hints == null || hints == 0) {
      return "-";
    }
    return ms < 120_000 ? ms / 1000 + " s" : ms / 60_000 + " min";
  }
}

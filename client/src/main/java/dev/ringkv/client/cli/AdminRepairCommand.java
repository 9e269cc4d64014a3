package dev.ringkv.client.cli;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A full anti-entropy pass now, on one node or all, with progress. */
@Command(name = "repair", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs a full anti-entropy pass now: the node (or every UP node) pulls every "
        + "range it serves from its peers, comparing digests first, so ranges already in sync "
        + "cost little. Waits until every node has pulled everything.")
final class AdminRepairCommand implements Callable<Integer> {

  @Parameters(paramLabel = "ID", arity = "0..1", description = "The node to repair (default: "
      + "every UP node).")
  String nodeId;

  @Mixin
  AdminOptions cluster = new AdminOptions();

  @Mixin
  AdminWait wait = new AdminWait();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    try (AdminConnection connection = new AdminConnection(cluster)) {
      RingTable table = connection.currentTable();
      List<Node> targets = table.nodes().stream()
          .filter(n -> nodeId == null ? n.isUp() : n.id().equals(nodeId)).toList();
      if (targets.isEmpty()) {
        throw new CliFailure(ExitCode.INVALID_ARGUMENT, nodeId == null ? "no node is UP"
            : "there is no node '" + nodeId + "' in the cluster");
      }
      for (Node node : targets) {
        out.printf("%s: pulling %d ranges from its peers%n", node.id(), connection.repair(node));
      }
      connection.awaitCaughtUp(table.epoch(), wait.duration(), out);
      return ExitCode.OK.code;
    }
  }
}

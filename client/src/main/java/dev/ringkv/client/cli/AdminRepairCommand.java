package dev.ringkv.client.cli;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import io.grpc.StatusRuntimeException;
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
    PrintWriter err = spec.commandLine().getErr();
    try (AdminConnection connection = new AdminConnection(cluster)) {
      RingTable table;
      try {
        table = connection.table();
      } catch (StatusRuntimeException e) {
        return AdminCli.failure(err, "cannot read the table from the manager at "
            + cluster.manager, e);
      }
      List<Node> targets = table.nodes().stream()
          .filter(n -> nodeId == null ? n.isUp() : n.id().equals(nodeId)).toList();
      if (targets.isEmpty()) {
        err.println("error: " + (nodeId == null ? "no node is UP"
            : "there is no node '" + nodeId + "' in the cluster"));
        return ExitCode.INVALID_ARGUMENT.code;
      }
      for (Node node : targets) {
        try {
          out.printf("%s: pulling %d ranges from its peers%n", node.id(),
              connection.repair(node));
        } catch (StatusRuntimeException e) {
          return AdminCli.failure(err, "cannot repair " + node.id(), e);
        }
      }
      return connection.awaitCaughtUp(table.epoch(), wait.duration(), out, err)
          ? ExitCode.OK.code : ExitCode.UNAVAILABLE.code;
    }
  }
}

package dev.ringkv.client.cli;

import dev.ringkv.ring.RingTable;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Takes a dead node out of the ring and waits until its ranges are re-replicated. */
@Command(name = "removenode", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Takes a DOWN node out of the ring for good, as when its machine is gone: its "
        + "ranges pass to their next replicas, which pull them from the remaining replicas, and "
        + "the hints held for it are dropped. Refused for an UP node (decommission it, so it "
        + "hands its ranges over first) and when fewer nodes than the replication factor would "
        + "remain. Waits until every node has caught up on what it took over.")
final class AdminRemoveNodeCommand implements Callable<Integer> {

  @Parameters(paramLabel = "ID", description = "The node to remove, such as server3.")
  String nodeId;

  @Mixin
  AdminOptions cluster = new AdminOptions();

  @Mixin
  AdminWait wait = new AdminWait();

  @Option(names = "--no-wait", description = "Return once the node is out of the ring.")
  boolean noWait;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    try (AdminConnection connection = new AdminConnection(cluster)) {
      RingTable after = connection.removeNode(nodeId);
      out.printf("removed %s from the ring (epoch %d); its ranges are re-replicated from the "
          + "remaining replicas%n", nodeId, after.epoch());
      if (noWait) {
        return ExitCode.OK.code;
      }
      connection.awaitCaughtUp(after.epoch(), wait.duration(), out);
      return ExitCode.OK.code;
    }
  }
}

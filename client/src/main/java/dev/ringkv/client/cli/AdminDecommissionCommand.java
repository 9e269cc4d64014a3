package dev.ringkv.client.cli;

import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Takes a live node out of the cluster after it has handed every key over. */
@Command(name = "decommission", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Takes a live node out of the cluster without losing a write: it becomes "
        + "LEAVING (off the ring: its ranges pass to the replicas that follow, which pull them "
        + "from the other replicas) and sends every key it holds to any new replica that lacks "
        + "it, deleting its copy once every replica lists the key. When it holds nothing, it is "
        + "removed from the ring and stops. A node LEAVING for more than half the tombstone "
        + "grace may have missed deletes: it keeps what a new replica lacks, and the command "
        + "stops and says so. Refused for a DOWN node (remove it instead), while "
        + "another node is leaving, and when fewer nodes than the replication factor would "
        + "remain. Run again, it resumes.")
final class AdminDecommissionCommand implements Callable<Integer> {

  @Parameters(paramLabel = "ID", description = "The node to decommission, such as server3.")
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
    long deadline = System.nanoTime() + wait.duration().toNanos();
    try (AdminConnection connection = new AdminConnection(cluster)) {
      RingTable leaving = connection.decommission(nodeId);
      out.printf("%s is LEAVING (epoch %d): it is no longer a replica, and hands its keys to "
          + "their new replicas%n", nodeId, leaving.epoch());
      Node node = leaving.node(nodeId).orElseThrow();
      connection.awaitCaughtUp(leaving.epoch(), remaining(deadline), out);
      awaitHandedOver(connection, node, deadline, out);
      RingTable after = connection.removeNode(nodeId);
      out.printf("%s has left the ring (epoch %d) and stops%n", nodeId, after.epoch());
      return ExitCode.OK.code;
    }
  }

  /**
   * Waits until the leaving node holds no key and no hint; prints progress as it changes.
   *
   * @throws CliFailure if that did not happen by {@code deadline}, or the node keeps keys it
   *     will never hand over
   */
  private static void awaitHandedOver(AdminConnection connection, Node node, long deadline,
      PrintWriter out) throws InterruptedException {
    String last = null;
    while (true) {
      String holding;
      try {
        NodeStatusReply r = connection.status(node);
        if (r.getLiveKeys() == 0 && r.getHints() == 0) {
          out.println(node.id() + " has handed every key over");
          return;
        }
        if (r.getStrayCopiesKept() > 0) {
          throw new CliFailure(ExitCode.UNAVAILABLE, node.id() + " keeps "
              + r.getStrayCopiesKept() + " keys that their new replicas lack: it has been "
              + "LEAVING for more than half the tombstone grace, so it may have missed their "
              + "deletes and hands them over no more (its log says so too); to go on without "
              + "them, stop " + node.id() + " and run 'admin removenode " + node.id() + "'");
        }
        holding = r.getLiveKeys() + " keys and " + r.getHints() + " hints";
      } catch (StatusRuntimeException e) {
        holding = "(not answering: " + e.getStatus().getCode() + ")";
      }
      if (!holding.equals(last)) {
        out.println(node.id() + " still holds " + holding);
        last = holding;
      }
      if (System.nanoTime() > deadline) {
        throw new CliFailure(ExitCode.UNAVAILABLE, "gave up waiting for " + node.id()
            + " to hand over its keys; it still holds " + holding
            + " (run decommission again to resume)");
      }
      Thread.sleep(500); // polling the node's report while it hands its keys over
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }
}

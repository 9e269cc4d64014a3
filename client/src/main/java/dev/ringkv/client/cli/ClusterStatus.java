package dev.ringkv.client.cli;

import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the manager's ring table; optionally waits until a number of nodes are UP. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Prints the cluster's nodes as the manager sees them: id, pid (with "
        + "--run-dir), address, state, and whether each UP node has caught up on its ranges "
        + "(only then do its reads count toward a quorum) with its live key count.")
public final class ClusterStatus implements Callable<Integer> {

  @Mixin
  AdminOptions cluster = new AdminOptions();

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "A run directory of start_service.sh, to show each node's pid.")
  Path runDir;

  @Option(names = "--wait-up", paramLabel = "N",
      description = "Wait until at least N nodes are UP and caught up before printing.")
  int waitUp;

  @Option(names = "--wait-timeout", paramLabel = "MS",
      description = "How long --wait-up may wait (default: ${DEFAULT-VALUE}).")
  long waitTimeoutMs = 60_000;

  private PrintStream out;
  private PrintStream err;

  @Override
  public Integer call() throws InterruptedException {
    try (AdminConnection connection = new AdminConnection(cluster)) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitTimeoutMs);
      String lastProblem;
      while (true) {
        try {
          RingTable table = connection.table();
          Map<String, NodeStatusReply> stats = connection.statusOfUpNodes(table);
          // Ready: caught up, and routing with the manager's current table.
          long ready = stats.values().stream()
              .filter(st -> st.getCaughtUp() && st.getTableEpoch() >= table.epoch()).count();
          if (ready >= waitUp) {
            print(table, stats);
            connection.managersLine().ifPresent(out::println);
            return 0;
          }
          lastProblem = table.upCount() + " nodes are up and " + ready + " caught up, of " + waitUp;
        } catch (StatusRuntimeException e) {
          lastProblem = "cannot reach the manager at " + cluster.manager + " ("
              + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
              : ": " + e.getStatus().getDescription()) + ")";
          if (waitUp == 0 || e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
            err.println("error: " + lastProblem);
            return ExitCode.NO_CLUSTER.code;
          }
        }
        if (System.nanoTime() > deadline) {
          err.println("error: gave up after " + waitTimeoutMs + " ms: " + lastProblem);
          return ExitCode.UNAVAILABLE.code;
        }
        Thread.sleep(100); // polling the manager while waiting for nodes to come up
      }
    }
  }

  private void print(RingTable table, Map<String, NodeStatusReply> stats) {
    out.printf("cluster %s  epoch %d  replication %d  nodes up %d/%d%n", table.clusterId(),
        table.epoch(), table.replicationFactor(), table.upCount(), table.nodes().size());
    out.printf("%-12s %-8s %-22s %-6s %-10s %-10s %s%n", "NODE", "PID", "ADDRESS", "STATE",
        "CAUGHT-UP", "KEYS", "METRICS");
    for (Node n : table.nodes()) {
      NodeStatusReply s = stats.get(n.id());
      out.printf("%-12s %-8s %-22s %-6s %-10s %-10s %s%n", n.id(), pidOf(n.id()), n.address(),
          n.state(), s == null ? "-" : s.getCaughtUp() ? "yes" : "no",
          s == null ? "-" : Long.toString(s.getLiveKeys()),
          s == null || s.getMetricsPort() == 0 ? "-" : Integer.toString(s.getMetricsPort()));
    }
  }

  private String pidOf(String nodeId) {
    if (runDir == null) {
      return "-";
    }
    try {
      return Files.readString(runDir.resolve("pids").resolve(nodeId + ".pid")).trim();
    } catch (IOException e) {
      return "-";
    }
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    ClusterStatus status = new ClusterStatus();
    status.out = out;
    status.err = err;
    return new CommandLine(status)
        .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
        .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
        .execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }
}

package dev.ringkv.client.cli;

import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import io.grpc.Grpc;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.ClusterSecret;
import dev.ringkv.security.SecretFile;
import dev.ringkv.security.Credentials;
import dev.ringkv.security.TlsFiles;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Status;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the manager's ring table; optionally waits until a number of nodes are UP. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Prints the cluster's nodes as the manager sees them: id, pid (with "
        + "--run-dir), address, state, and whether each UP node has caught up on its ranges "
        + "(only then do its reads count toward a quorum) with its live key count.")
public final class ClusterStatus implements Callable<Integer> {

  @Option(names = "--manager", paramLabel = "HOST:PORT",
      description = "Manager address (default: ${DEFAULT-VALUE}).")
  String manager = "127.0.0.1:7051";

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "A run directory of start_service.sh, to show each node's pid.")
  Path runDir;

  @Option(names = "--wait-up", paramLabel = "N",
      description = "Wait until at least N nodes are UP and caught up before printing.")
  int waitUp;

  @Option(names = "--wait-timeout", paramLabel = "MS",
      description = "How long --wait-up may wait (default: ${DEFAULT-VALUE}).")
  long waitTimeoutMs = 60_000;

  @Option(names = "--tls", paramLabel = "DIR", description = "Talk mutual TLS with the admin "
      + "identity in DIR (DIR/admin.crt, DIR/admin.key, DIR/ca.crt).")
  Path tlsDir;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Send the bearer token in FILE.")
  Path tokenFile;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "Without --tls: "
      + "ask nodes for their reports as the admin identity, with the cluster secret in FILE.")
  Path clusterSecretFile;

  private PrintStream out;
  private final Map<String, ManagedChannel> nodeChannels = new TreeMap<>();
  private ChannelCredentials credentials;
  private CallCredentials token;
  private CallCredentials admin;
  private PrintStream err;

  @Override
  public Integer call() throws InterruptedException {
    credentials = Credentials.channel(tlsDir == null ? null : TlsFiles.identity(tlsDir, "admin"));
    token = tokenFile == null ? null : new BearerToken(BearerToken.readFile(tokenFile));
    admin = clusterSecretFile == null ? null : new ClusterSecret(AccessPolicy.ADMIN,
        SecretFile.read(clusterSecretFile, "cluster secret file"));
    ManagedChannel channel = Grpc.newChannelBuilder(manager, credentials).build();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitTimeoutMs);
      String lastProblem;
      while (true) {
        try {
          TableReply reply = ManagerGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .withCallCredentials(token)
              .getTable(GetTableRequest.getDefaultInstance());
          RingTable table = TableCodec.fromProto(reply.getTable());
          Map<String, NodeStatusReply> stats = statsOfUpNodes(table);
          // Ready: caught up, and routing with the manager's current table.
          long ready = stats.values().stream()
              .filter(st -> st.getCaughtUp() && st.getTableEpoch() >= table.epoch()).count();
          if (ready >= waitUp) {
            print(table, stats);
            return 0;
          }
          lastProblem = table.upCount() + " nodes are up and " + ready + " caught up, of " + waitUp;
        } catch (StatusRuntimeException e) {
          lastProblem = "cannot reach the manager at " + manager + " ("
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
    } finally {
      channel.shutdownNow();
      nodeChannels.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  /** Each UP node's own report; a node that does not answer is left out. */
  private Map<String, NodeStatusReply> statsOfUpNodes(RingTable table) {
    Map<String, NodeStatusReply> stats = new TreeMap<>();
    for (Node n : table.nodes()) {
      if (!n.isUp()) {
        continue;
      }
      // One channel per node for the whole run: --wait-up polls every 100 ms.
      ManagedChannel ch = nodeChannels.computeIfAbsent(n.address(),
          address -> Grpc.newChannelBuilder(address, credentials).build());
      try {
        stats.put(n.id(), AdminGrpc.newBlockingStub(ch).withCallCredentials(admin)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .nodeStatus(NodeStatusRequest.getDefaultInstance()));
      } catch (StatusRuntimeException e) {
        // not answering: shown as '-'
      }
    }
    return stats;
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

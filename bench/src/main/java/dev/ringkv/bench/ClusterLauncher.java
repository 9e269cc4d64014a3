package dev.ringkv.bench;

import dev.ringkv.client.KvClient;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.ManagerRole;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real cluster started with {@code scripts/start_service.sh} in its own run dir and port range,
 * and stopped with {@code scripts/stop_service.sh}, also when the benchmark fails or is
 * interrupted. Once every process has stopped, the run dir (data and logs) is deleted.
 */
final class ClusterLauncher extends StoppedOnExit {

  // A manager speaks Raft on its port + this (start_service.sh --help says so).
  static final int RAFT_PORT_OFFSET = 10_000;

  private final Path root;
  private final Path runDir;
  private final int managerPort; // manager1's; managerK's is this - (K-1)
  private final int managers;
  private final int nodes;
  private final int metricsPort; // the manager's; serverN's is this + N; -1: none

  private ClusterLauncher(Path root, Path runDir, int managerPort, int managers, int nodes,
      int metricsPort) {
    this.root = root;
    this.runDir = runDir;
    this.managerPort = managerPort;
    this.managers = managers;
    this.nodes = nodes;
    this.metricsPort = metricsPort;
  }

  /**
   * Starts {@code managers} managers and {@code nodes} storage nodes with replication
   * {@code rep}; waits until all are up.
   */
  static ClusterLauncher start(Path root, Path runDir, int managers, int nodes, int rep,
      List<String> extraArgs) throws IOException, InterruptedException {
    // gRPC ports first (managers counting down from manager1's, nodes up), then as many metrics
    // ports; every manager, even alone, also speaks Raft 10000 above its port.
    int base = freePortRange(2 * (nodes + managers), managers);
    int port = base + managers - 1;
    boolean knowsMetrics = knowsMetrics(root);
    boolean metrics = knowsMetrics && !extraArgs.contains("--metrics-port");
    ClusterLauncher cluster = new ClusterLauncher(root, runDir, port, managers, nodes,
        metrics ? port + nodes + managers : -1);
    cluster.stopOnExit();
    List<String> command = new ArrayList<>(List.of(
        root.resolve("scripts/start_service.sh").toString(), "--nodes", Integer.toString(nodes),
        "--rep", Integer.toString(rep), "--run-dir", runDir.toString(),
        "--port", Integer.toString(port)));
    if (managers > 1) {
      command.addAll(List.of("--managers", Integer.toString(managers)));
    }
    if (metrics) {
      command.addAll(List.of("--metrics-port", Integer.toString(cluster.metricsPort)));
    }
    // Without metrics ports (an older checkout), "--metrics-port -1" goes without saying.
    command.addAll(knowsMetrics ? extraArgs : withoutMetricsPort(extraArgs));
    Files.createDirectories(runDir);
    Path log = runDir.resolve("start_service.out");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      String output = Files.readString(log); // before close() deletes the run dir
      cluster.close();
      throw new IOException("the cluster did not start:\n" + output);
    }
    return cluster;
  }

  /**
   * Where each storage node serves its metrics, by node id; empty when the cluster runs
   * without them.
   */
  Map<String, String> metricsAddresses() {
    Map<String, String> addresses = new TreeMap<>();
    if (metricsPort != -1) {
      for (int i = 1; i <= nodes; i++) {
        addresses.put("server" + i, "127.0.0.1:" + (metricsPort + i));
      }
    }
    return addresses;
  }

  /** A client of this cluster as the benchmarks drive it: 30-s deadlines, no hand-off thread. */
  KvClient newClient() {
    return KvClient.builder().manager(managerAddress()).deadline(Duration.ofSeconds(30))
        .callbacksOnNetworkThreads(true).build();
  }

  /** Every manager's address, comma-separated, as clients take them. */
  String managerAddress() {
    List<String> addresses = new ArrayList<>();
    for (int k = 1; k <= managers; k++) {
      addresses.add("127.0.0.1:" + (managerPort - k + 1));
    }
    return String.join(",", addresses);
  }

  /** The id of the manager that says it leads, if one does. */
  Optional<String> leadingManager() {
    for (int k = 1; k <= managers; k++) {
      ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + (managerPort - k + 1),
          InsecureChannelCredentials.create()).build();
      try {
        ManagerRole role = ManagerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .getTable(GetTableRequest.getDefaultInstance()).getManager();
        if (!role.getId().isEmpty() && role.getId().equals(role.getLeaderId())) {
          return Optional.of(role.getId());
        }
      } catch (StatusRuntimeException notAnswering) {
        // ask the next
      } finally {
        channel.shutdownNow();
      }
    }
    return Optional.empty();
  }

  /** Kills process {@code id} of the cluster with SIGKILL (scripts/kill_node.sh). */
  void kill(String id) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(root.resolve("scripts/kill_node.sh").toString(),
        "--run-dir", runDir.toString(), id).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("could not kill " + id);
    }
  }

  @Override
  void stop() {
    try {
      Process p = new ProcessBuilder(root.resolve("scripts/stop_service.sh").toString(),
          "--run-dir", runDir.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        deleteTree(runDir);
      } else {
        System.err.println("the cluster in " + runDir + " did not stop cleanly; its run dir is "
            + "kept");
      }
    } catch (IOException e) {
      System.err.println("could not stop the cluster in " + runDir + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> withoutMetricsPort(List<String> args) {
    List<String> kept = new ArrayList<>(args);
    int i = kept.indexOf("--metrics-port");
    if (i >= 0) {
      kept.subList(i, Math.min(i + 2, kept.size())).clear();
    }
    return kept;
  }

  /** An older checkout's start_service.sh (given with --root) may predate metrics ports. */
  private static boolean knowsMetrics(Path root) throws IOException {
    return Files.readString(root.resolve("scripts/start_service.sh")).contains("--metrics-port");
  }

  /**
   * The first of {@code count} free consecutive ports on 127.0.0.1 whose first {@code raftPorts}
   * are free 10000 above too (managers' Raft ports). All of them lie below the ephemeral range
   * (32768-60999), which outgoing connections take ports from: a port there may be taken by the
   * time the process that is to listen on it starts.
   */
  static int freePortRange(int count, int raftPorts) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 22_700);
      if (allFree(base, count) && allFree(base + RAFT_PORT_OFFSET, raftPorts)) {
        return base;
      }
    }
    throw new IOException("found no " + count + " free consecutive ports on 127.0.0.1");
  }

  private static boolean allFree(int base, int count) {
    for (int p = base; p < base + count; p++) {
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        s.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}

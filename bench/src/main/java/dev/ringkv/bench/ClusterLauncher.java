package dev.ringkv.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real cluster started with {@code scripts/start_service.sh} in its own run dir and port range,
 * and stopped with {@code scripts/stop_service.sh}, also when the benchmark fails or is
 * interrupted. Once every process has stopped, the run dir (data and logs) is deleted.
 */
final class ClusterLauncher implements AutoCloseable {

  private final Path root;
  private final Path runDir;
  private final int managerPort;
  private final int nodes;
  private final int metricsPort; // the manager's; serverN's is this + N; -1: none
  private final Thread stopOnExit;
  private boolean stopped;

  private ClusterLauncher(Path root, Path runDir, int managerPort, int nodes, int metricsPort) {
    this.root = root;
    this.runDir = runDir;
    this.managerPort = managerPort;
    this.nodes = nodes;
    this.metricsPort = metricsPort;
    this.stopOnExit = new Thread(this::stop, "bench-cluster-stop");
  }

  /** Starts {@code nodes} storage nodes with replication {@code rep}; waits until all are up. */
  static ClusterLauncher start(Path root, Path runDir, int nodes, int rep, List<String> extraArgs)
      throws IOException, InterruptedException {
    // gRPC ports first, then as many metrics ports.
    int port = freePortRange(2 * (nodes + 1));
    boolean metrics = !extraArgs.contains("--metrics-port");
    ClusterLauncher cluster =
        new ClusterLauncher(root, runDir, port, nodes, metrics ? port + nodes + 1 : -1);
    Runtime.getRuntime().addShutdownHook(cluster.stopOnExit);
    List<String> command = new ArrayList<>(List.of(
        root.resolve("scripts/start_service.sh").toString(), "--nodes", Integer.toString(nodes),
        "--rep", Integer.toString(rep), "--run-dir", runDir.toString(),
        "--port", Integer.toString(port)));
    if (metrics) {
      command.addAll(List.of("--metrics-port", Integer.toString(cluster.metricsPort)));
    }
    command.addAll(extraArgs);
    Files.createDirectories(runDir);
    Path log = runDir.resolve("start_service.out");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      cluster.close();
      throw new IOException("the cluster did not start:\n" + Files.readString(log));
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

  String managerAddress() {
    return "127.0.0.1:" + managerPort;
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running or has run
    }
  }

  private synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      Process p = new ProcessBuilder(root.resolve("scripts/stop_service.sh").toString(),
          "--run-dir", runDir.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        deleteRunDir();
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

  private void deleteRunDir() throws IOException {
    try (Stream<Path> files = Files.walk(runDir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }

  private static int freePortRange(int count) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      // Below the ephemeral range (32768-60999), which outgoing connections take ports from.
      int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IOException("found no " + count + " free consecutive ports on 127.0.0.1");
  }
}

package dev.ringkv.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real etcd cluster of {@code members} processes on 127.0.0.1, each with its own data dir under
 * {@code dir}, for comparisons. Stopped (SIGTERM, then SIGKILL after 10 s) by the pids this
 * class started, also when the benchmark fails or is interrupted; then {@code dir} is deleted.
 */
final class EtcdCluster extends StoppedOnExit {

  private final Path dir;
  private final List<Process> members = new ArrayList<>();
  private final List<String> clientUrls = new ArrayList<>();

  private EtcdCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts the members on ports from {@code basePort} up and waits until a write succeeds. */
  static EtcdCluster start(Path etcd, Path dir, int members, int basePort)
      throws IOException, InterruptedException {
    EtcdCluster cluster = new EtcdCluster(dir);
    cluster.stopOnExit();
    try {
      List<String> peers = new ArrayList<>();
      for (int i = 1; i <= members; i++) {
        peers.add("etcd" + i + "=http://127.0.0.1:" + (basePort + members + i - 1));
      }
      for (int i = 1; i <= members; i++) {
        String name = "etcd" + i;
        String clientUrl = "http://127.0.0.1:" + (basePort + i - 1);
        String peerUrl = "http://127.0.0.1:" + (basePort + members + i - 1);
        Files.createDirectories(dir.resolve(name));
        cluster.clientUrls.add(clientUrl);
        cluster.members.add(new ProcessBuilder(etcd.toString(), "--name", name,
            "--data-dir", dir.resolve(name).toString(),
            "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", String.join(",", peers), "--initial-cluster-state", "new",
            "--initial-cluster-token", "ringkv-bench")
            .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
            .start());
      }
      cluster.awaitWritable();
      return cluster;
    } catch (IOException | RuntimeException | InterruptedException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * A client of each member, so that the load spreads over all of them as a ringkv client's
   * does (a member forwards what only the leader can do). Each through gRPC's own resolver, not
   * jetcd's multi-endpoint one: that one calls gRPC from a thread gRPC 1.6x refuses, and never
   * connects.
   */
  List<Client> newClients() {
    return clientUrls.stream().map(url -> Client.builder()
        .target("dns:///" + url.replace("http://", "")).build()).toList();
  }

  private void awaitWritable() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    ByteSequence key = ByteSequence.from("ringkv-bench-ready", StandardCharsets.UTF_8);
    List<Client> clients = newClients();
    try {
      while (true) {
        for (Process member : members) {
          if (!member.isAlive()) {
            throw new IOException("an etcd member exited with " + member.exitValue() + "; see "
                + "its log in " + dir);
          }
        }
        try {
          for (Client client : clients) {
            client.getKVClient().put(key, key).get(2, TimeUnit.SECONDS);
          }
          return;
        } catch (ExecutionException | TimeoutException notYet) {
          if (System.nanoTime() - deadline > 0) {
            throw new IOException("etcd accepted no write within 60 s; see the logs in " + dir);
          }
          Thread.sleep(200);
        }
      }
    } finally {
      clients.forEach(Client::close);
    }
  }

  @Override
  void stop() {
    members.forEach(Process::destroy);
    try {
      for (Process member : members) {
        if (!member.waitFor(10, TimeUnit.SECONDS)) {
          member.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      deleteTree(dir);
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    } catch (InterruptedException e) {
      members.forEach(Process::destroyForcibly);
      Thread.currentThread().interrupt();
    }
  }
}

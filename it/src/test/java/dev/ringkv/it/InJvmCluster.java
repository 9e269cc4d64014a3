package dev.ringkv.it;

import dev.ringkv.client.KvClient;
import dev.ringkv.manager.membership.JoinPolicy;
import dev.ringkv.manager.server.ManagerConfig;
import dev.ringkv.manager.server.ManagerServer;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.storage.server.StorageConfig;
import dev.ringkv.storage.server.StorageNode;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A whole cluster in this JVM: a manager and N storage nodes, each with its own RocksDB in a
 * temporary directory, talking over in-process channels. It starts in well under a second, so
 * tests of routing, quorum, table precedence and bad input run here; guarantees that need a real
 * {@code kill -9}, a pause or a partition stay with {@link LocalCluster}.
 */
final class InJvmCluster implements AutoCloseable {

  private static final String HOST = "127.0.0.1";
  // In-process servers are named by address: every cluster of the JVM gets ports of its own.
  private static final AtomicInteger NEXT_PORT = new AtomicInteger(10_000);
  private static final long FAILURE_TIMEOUT_MS = 1_000;

  private final Path dir;
  private final String managerAddress;
  private final ManagerServer manager;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();
  private final List<KvClient> clients = new ArrayList<>();

  private InJvmCluster(Path dir, ManagerServer manager, String managerAddress) {
    this.dir = dir;
    this.manager = manager;
    this.managerAddress = managerAddress;
  }

  /** Starts a manager and {@code nodes} storage nodes, and waits until every node is UP. */
  static InJvmCluster start(int nodes, int replicationFactor) throws Exception {
    Path dir = Files.createTempDirectory("ringkv-injvm-");
    int managerPort = NEXT_PORT.getAndAdd(nodes + 1);
    Files.createDirectories(dir.resolve("manager"));
    ManagerServer manager = new ManagerServer(new ManagerConfig(HOST, managerPort,
        dir.resolve("manager"), replicationFactor, 16, FAILURE_TIMEOUT_MS, 50, null, null, null,
        new JoinPolicy(true, 256)), InProcessNetwork::new);
    manager.start();
    InJvmCluster cluster = new InJvmCluster(dir, manager, HOST + ":" + managerPort);
    try {
      for (int i = 1; i <= nodes; i++) {
        cluster.startNode("server" + i, managerPort + i);
      }
      cluster.awaitTable(t -> t.upCount() == nodes, nodes + " nodes UP");
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private void startNode(String id, int port) throws Exception {
    Path data = dir.resolve(id);
    Files.createDirectories(data);
    StorageNode node = new StorageNode(new StorageConfig(id, HOST, port, data, managerAddress,
        100, 1_000, 200, 500, new RequestLimits(RequestLimits.DEFAULT_MAX_KEY_BYTES,
            RequestLimits.DEFAULT_MAX_VALUE_BYTES), 64, 32L * 1024 * 1024, null, null, null),
        InProcessNetwork::new);
    nodes.put(id, node);
    node.start();
  }

  /** A client of this cluster, closed with it. */
  KvClient client() {
    KvClient client = clientBuilder().build();
    clients.add(client);
    return client;
  }

  private KvClient.Builder clientBuilder() {
    return KvClient.builder().manager(managerAddress)
        .channelBuilders((target, credentials) -> InProcessChannelBuilder.forName(target));
  }

  /** Stops {@code id} as SIGTERM would: it answers what it has in flight and leaves. */
  void stop(String id) throws InterruptedException {
    nodes.get(id).close();
  }

  /** The manager's table once {@code condition} holds, or an error after 10 s. */
  RingTable awaitTable(Predicate<RingTable> condition, String what) {
    try (KvClient probe = clientBuilder().build()) {
      return Poll.until(Duration.ofSeconds(10), what, () -> {
        RingTable table = probe.refreshTable();
        return condition.test(table) ? table : null;
      });
    }
  }

  /** Stops every node and the manager, and deletes their data. */
  @Override
  public void close() throws IOException {
    clients.forEach(KvClient::close);
    try {
      for (StorageNode node : nodes.values()) {
        node.close();
      }
      manager.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

package dev.ringkv.it;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvClientBuilder;
import dev.ringkv.manager.membership.JoinPolicy;
import dev.ringkv.manager.replication.GroupMember;
import dev.ringkv.manager.server.ManagerConfig;
import dev.ringkv.manager.server.ManagerServer;
import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadReply;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.storage.engine.RocksStorageEngine;
import dev.ringkv.storage.server.NodeEnvironment;
import dev.ringkv.storage.server.StorageConfig;
import dev.ringkv.storage.server.StorageNode;
import io.grpc.ManagedChannel;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
  /** How the test's clients are named in {@link SlowLinks}. */
  static final String CLIENTS = "client";

  private final Path dir;
  private final String managerAddress;
  private final ManagerServer manager;
  private final Map<String, StorageNode> nodes = new LinkedHashMap<>();
  private final List<KvClient> clients = new ArrayList<>();
  private final SlowLinks links;
  private final InProcessNetwork clientsNetwork; // the test's clients share one

  private InJvmCluster(Path dir, ManagerServer manager, String managerAddress, SlowLinks links) {
    this.dir = dir;
    this.manager = manager;
    this.managerAddress = managerAddress;
    this.links = links;
    this.clientsNetwork = new InProcessNetwork(CLIENTS, links);
  }

  /** Starts a manager and {@code nodes} storage nodes, and waits until every node is UP. */
  static InJvmCluster start(int nodes, int replicationFactor) throws Exception {
    return start(nodes, replicationFactor, new SlowLinks(0));
  }

  /** As {@link #start(int, int)}, on links the test may slow down. */
  static InJvmCluster start(int nodes, int replicationFactor, SlowLinks links) throws Exception {
    return start(nodes, replicationFactor, links, Duration.ofMillis(500));
  }

  /**
   * As {@link #start(int, int, SlowLinks)}, with nodes that compare their ranges with each other
   * every {@code syncInterval} (and whenever the table changes).
   */
  static InJvmCluster start(int nodes, int replicationFactor, SlowLinks links,
      Duration syncInterval) throws Exception {
    Path dir = Files.createTempDirectory("ringkv-injvm-");
    int managerPort = NEXT_PORT.getAndAdd(nodes + 1);
    Files.createDirectories(dir.resolve("manager"));
    ManagerServer manager = new ManagerServer(new ManagerConfig(HOST, managerPort,
        dir.resolve("manager"), replicationFactor, 16, FAILURE_TIMEOUT_MS, 50, null, null, null,
        new JoinPolicy(true, 256), -1, new ManagerConfig.Replication("manager",
            // In process, but the managers' Raft speaks TCP: on any free port.
            List.of(new GroupMember("manager", HOST, managerPort, 0)), 1_000)),
        name -> new InProcessNetwork(name, links));
    manager.start();
    InJvmCluster cluster = new InJvmCluster(dir, manager, HOST + ":" + managerPort, links);
    try {
      for (int i = 1; i <= nodes; i++) {
        cluster.startNode("server" + i, managerPort + i, syncInterval.toMillis());
      }
      RingTable up = cluster.awaitTable(t -> t.upCount() == nodes, nodes + " nodes UP");
      cluster.awaitCaughtUp(up.epoch(), Duration.ofMillis(syncInterval.toMillis() + 30_000));
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private void startNode(String id, int port, long syncIntervalMs) throws Exception {
    Path data = dir.resolve(id);
    Files.createDirectories(data);
    StorageNode node = new StorageNode(new StorageConfig(id, HOST, port, data, managerAddress,
        100, 1_000, 200, syncIntervalMs, new RequestLimits(RequestLimits.DEFAULT_MAX_KEY_BYTES,
            RequestLimits.DEFAULT_MAX_VALUE_BYTES), 64, 32L * 1024 * 1024, null, null, null, -1,
            null, Duration.ofDays(3), RocksStorageEngine.DEFAULT_CACHE_BYTES),
        NodeEnvironment.real().withNetworks(name -> new InProcessNetwork(name, links)));
    nodes.put(id, node);
    node.start();
  }

  /** The manager's {@code host:port}. */
  String managerAddress() {
    return managerAddress;
  }

  /** The ids of the storage nodes, in start order. */
  List<String> nodeIds() {
    return List.copyOf(nodes.keySet());
  }

  /** The {@code host:port} a node serves on. */
  String address(String id) {
    return HOST + ":" + nodes.get(id).port();
  }

  /** The home replicas of {@code key}, in order, in the manager's current table. */
  List<String> homeReplicas(String key) {
    return homeReplicas(awaitTable(t -> true, "a table"), key);
  }

  /** A key none of whose home replicas is {@code nodeId} in the current table. */
  String keyNotOn(String nodeId) {
    RingTable table = awaitTable(t -> true, "a table");
    for (int i = 0; i < 10_000; i++) {
      if (!homeReplicas(table, "key" + i).contains(nodeId)) {
        return "key" + i;
      }
    }
    throw new AssertionError("every key of 10000 has " + nodeId + " among its home replicas");
  }

  private static List<String> homeReplicas(RingTable table, String key) {
    return table.homeReplicas(KeyHasher.murmur3().hash(key)).stream().map(Node::id).toList();
  }

  /**
   * Waits until every node holds at least {@code epoch} and reports every range it serves caught
   * up, so that tests start from a settled cluster. A pull that failed while the nodes were
   * joining is retried at the next sync pass, hence a timeout longer than the sync interval.
   */
  private void awaitCaughtUp(long epoch, Duration timeout) {
    Poll.untilTrue(timeout, "every node caught up at epoch " + epoch,
        () -> nodes.keySet().stream().allMatch(id -> {
          NodeStatusReply status = nodeStatus(id);
          return status.getCaughtUp() && status.getTableEpoch() >= epoch;
        }));
  }

  /** What {@code id} reports of itself, asked directly (no slow link). */
  private NodeStatusReply nodeStatus(String id) {
    ManagedChannel channel = InProcessChannelBuilder.forName(address(id)).build();
    try {
      return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .nodeStatus(NodeStatusRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  /** The value {@code id} itself holds for {@code key}, asked directly (no slow link). */
  Optional<String> localValue(String id, String key) {
    ManagedChannel channel = InProcessChannelBuilder.forName(address(id)).build();
    try {
      ReplicaReadReply reply = ReplicaGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .read(ReplicaReadRequest.newBuilder().setKey(key).build());
      return reply.getFound() && !reply.getRecord().getTombstone()
          ? Optional.of(reply.getRecord().getValue().toStringUtf8()) : Optional.empty();
    } finally {
      channel.shutdownNow();
    }
  }

  /** A client of this cluster, closed with it. */
  KvClient client() {
    KvClient client = clientBuilder().build();
    clients.add(client);
    return client;
  }

  private KvClientBuilder clientBuilder() {
    return KvClient.builder().manager(managerAddress).network(clientsNetwork);
  }

  /** Stops {@code id} as SIGTERM would: it answers what it has in flight and leaves. */
  void stop(String id) throws InterruptedException {
    nodes.get(id).close();
  }

  /** The manager's table once {@code condition} holds, or an error after 10 s. */
  RingTable awaitTable(Predicate<RingTable> condition, String what) {
    // The test's own view: straight to the manager, never over a link the test slowed down.
    try (InProcessNetwork direct = new InProcessNetwork("probe", new SlowLinks(0));
        KvClient probe = KvClient.builder().manager(managerAddress).network(direct).build()) {
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
      clientsNetwork.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

package dev.ringkv.manager.server;

import dev.ringkv.manager.dashboard.ClusterView;
import dev.ringkv.manager.dashboard.DashboardHandler;
import dev.ringkv.manager.dashboard.NodeProbes;
import dev.ringkv.manager.grpc.ClusterAdminService;
import dev.ringkv.manager.grpc.ManagerService;
import dev.ringkv.manager.membership.Membership;
import dev.ringkv.manager.replication.GroupMember;
import dev.ringkv.manager.replication.Leadership;
import dev.ringkv.manager.replication.ManagerGroup;
import dev.ringkv.metrics.MetricsEndpoint;
import dev.ringkv.proto.ManagerRole;
import dev.ringkv.process.DaemonThreads;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.ClusterSecret;
import dev.ringkv.security.Credentials;
import dev.ringkv.wire.MalformedRequests;
import dev.ringkv.wire.NettyNetwork;
import dev.ringkv.wire.Network;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owns the manager's gRPC server and failure detector: {@link #start()} once, then close. */
public final class ManagerServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ManagerServer.class);
  // Nodes send one heartbeat at a time, clients a table request now and then.
  private static final int MAX_CALLS_PER_CONNECTION = 64;

  private final ManagerConfig config;
  private final Function<String, Network> networks;
  private Network network;
  private Server server;
  private ScheduledExecutorService detector;
  private MetricsEndpoint metricsEndpoint;
  private NodeProbes probes;
  private Leadership leadership;
  private volatile ManagerGroup group;

  /** A manager on sockets. */
  public ManagerServer(ManagerConfig config) {
    this(config, NettyNetwork::create);
  }

  /** A manager on the network {@code networks} makes (tests: in-process channels). */
  public ManagerServer(ManagerConfig config, Function<String, Network> networks) {
    this.config = config;
    this.networks = networks;
  }

  public synchronized void start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("manager already started");
    }
    ManagerConfig.Replication replication = config.replication();
    leadership = new Leadership(g -> Membership.open(g.store(), config.replicationFactor(),
        config.tokensPerNode(), config.failureTimeoutMs(), System::currentTimeMillis,
        config.joins()), replication.members().size() == 1);
    network = networks.apply(replication.id());
    AccessPolicy access =
        new AccessPolicy(config.tls() != null, config.token(), config.clusterSecret());
    MalformedRequests malformed = new MalformedRequests("manager");
    // Serving before the group has started: a node that calls meanwhile is told there is no
    // table or leader yet (a manager alone has it wait for its own election).
    server = network.serverBuilder(config.host(), config.port(), Credentials.server(config.tls()),
            MAX_CALLS_PER_CONNECTION)
        .addService(malformed.guard(ServerInterceptors.intercept(
            new ManagerService(leadership, this::table, this::role), access)))
        .addService(malformed.guard(ServerInterceptors.intercept(
            new ClusterAdminService(leadership), access)))
        .build()
        .start();
    group = ManagerGroup.start(replication.id(), replication.members(), config.dataDir(),
        replication.electionTimeoutMs(), config.tls(), leadership);
    leadership.attach(group);
    if (config.metricsPort() != MetricsEndpoint.OFF) {
      // The dashboard reaches nodes as the manager: by its certificate, or the cluster secret.
      probes = new NodeProbes(network::channelBuilder, Credentials.channel(config.tls()),
          config.tls() == null && config.clusterSecret() != null
              ? new ClusterSecret("manager", config.clusterSecret()) : null, config.token());
      metricsEndpoint = MetricsEndpoint.start("manager", config.host(), config.metricsPort(),
          ManagerMetrics.of(group, leadership), config.token(), new DashboardHandler(
              new ClusterView(group::table, probes, System::currentTimeMillis)));
      Files.writeString(config.dataDir().resolve("metrics.port"),
          Integer.toString(metricsEndpoint.port()), StandardCharsets.UTF_8);
      log.info("manager serves its dashboard on http://{}:{}/ and metrics on /metrics",
          config.host(), metricsEndpoint.port());
    }
    if (replication.members().size() == 1) {
      awaitLeading();
    }
    // Lets scripts and tests that asked for port 0 find the port that was chosen (a manager
    // alone writes it once it leads).
    Files.writeString(config.dataDir().resolve("manager.port"), Integer.toString(port()),
        StandardCharsets.UTF_8);
    detector = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.of("manager", "failure-detector"));
    detector.scheduleWithFixedDelay(() -> {
      try {
        // Only the leader hears heartbeats, so only the leader may judge silence.
        leadership.membership().ifPresent(Membership::detectFailures);
      } catch (RuntimeException e) {
        log.error("failure detector pass failed", e);
      }
    }, config.detectorIntervalMs(), config.detectorIntervalMs(), TimeUnit.MILLISECONDS);
    log.info("manager listening on {}:{} (data dir {}, replication factor {}, {} tokens per node, "
            + "failure timeout {} ms, {}, {}, {}, {}, {})", config.host(), port(), config.dataDir(),
        config.replicationFactor(), config.tokensPerNode(), config.failureTimeoutMs(),
        config.tls() == null ? "plaintext" : "TLS", config.token() == null ? "no token"
            : "token required", config.tls() != null ? "nodes identified by certificate"
            : config.clusterSecret() != null ? "nodes identified by the cluster secret"
            : "nodes not identified", config.joins().allowJoin()
            ? "new nodes admitted up to " + config.joins().maxNodes() : "membership frozen",
        replication.members().size() == 1 ? "managing alone"
            : "one of the managers " + replication.members().stream()
                .map(GroupMember::id).toList());
  }

  /** A manager alone elects itself: nodes find it ready once its port file is written. */
  private void awaitLeading() throws IOException {
    try {
      leadership.firstLed().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while taking up the manager's state", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("the manager did not take up its state within 60 s", e);
    }
  }

  /** The table as this manager applied it; null before the group's first (or its start). */
  private RingTable table() {
    ManagerGroup g = group;
    return g == null ? null : g.table();
  }

  private ManagerRole role() {
    ManagerGroup g = group;
    return ManagerRole.newBuilder().setId(config.replication().id())
        .setLeaderId(g == null ? "" : g.leader().map(GroupMember::id).orElse("")).build();
  }

  public int port() {
    return network.port(server, config.port());
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (server == null) {
      return;
    }
    detector.shutdownNow();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    detector.awaitTermination(5, TimeUnit.SECONDS);
    try {
      if (group != null) {
        group.close();
      }
    } catch (IOException e) {
      log.warn("the managers' group did not close cleanly: {}", e.getMessage());
    }
    leadership.close();
    if (metricsEndpoint != null) {
      metricsEndpoint.close();
      probes.close();
    }
    network.close();
    log.info("manager stopped");
  }
}

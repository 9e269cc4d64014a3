package dev.ringkv.storage.server;

import dev.ringkv.metrics.MetricsEndpoint;
import dev.ringkv.process.DaemonThreads;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.ClusterSecret;
import dev.ringkv.security.Credentials;
import dev.ringkv.storage.coordinator.Coordinator;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.coordinator.Speculation;
import dev.ringkv.storage.engine.RocksStorageEngine;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.engine.TombstoneSweep;
import dev.ringkv.storage.grpc.AdminService;
import dev.ringkv.storage.grpc.FlushBeforeSend;
import dev.ringkv.storage.grpc.GrpcManagerClient;
import dev.ringkv.storage.grpc.GrpcReplicaClient;
import dev.ringkv.storage.grpc.KvService;
import dev.ringkv.storage.grpc.LeaderFollowingManagerClient;
import dev.ringkv.storage.grpc.ReplicaService;
import dev.ringkv.storage.hints.HintDelivery;
import dev.ringkv.storage.membership.AbsenceGuard;
import dev.ringkv.storage.membership.PauseWatch;
import dev.ringkv.storage.membership.HeartbeatLoop;
import dev.ringkv.storage.membership.ManagerClient;
import dev.ringkv.storage.membership.TableHolder;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.storage.metrics.NodeGauges;
import dev.ringkv.storage.metrics.NodeMetrics;
import dev.ringkv.storage.sync.LeavingMark;
import dev.ringkv.storage.sync.RangeSync;
import dev.ringkv.storage.sync.StrayCleanup;
import dev.ringkv.storage.sync.SyncState;
import dev.ringkv.version.HybridClock;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.InFlightBudget;
import dev.ringkv.wire.MalformedRequests;
import dev.ringkv.wire.Network;
import io.grpc.CallCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One storage node, assembled: its store, its gRPC server and services, its coordinator, and its
 * {@link BackgroundTasks}. {@link #start()} once; {@link #close()} stops everything it started
 * and waits for it. It is longer than most classes because it is where every part is wired to
 * the others; each part's own logic lives in that part.
 */
public final class StorageNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StorageNode.class);

  private final StorageConfig config;
  // A frame of streamed requests or replies grows no larger, unless one request is larger.
  private static final int MAX_FRAME_BYTES = 256 * 1024;
  // Dropping surplus copies is housekeeping: a few sync intervals after a hand-off will do.
  private static final int CLEANUP_EVERY_SYNC_INTERVALS = 5;
  // A peer that timed out is read from last for this long, doubling while it keeps failing.
  private static final long FIRST_SUSPICION_MS = 500;
  private static final long MAX_SUSPICION_MS = 5_000;
  // A read asks one more replica after twice the recent p99 of replica reads, within these.
  private static final long MIN_SPECULATION_MS = 10;
  private static final long MAX_SPECULATION_MS = 250;

  private RocksStorageEngine engine;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private GrpcReplicaClient replicas;
  private KvService kvService;
  private ReplicaService replicaService;
  private ChannelPool channels;
  private final NodeEnvironment environment;
  private Network network;
  private Server server;
  private BackgroundTasks background;
  private MetricsEndpoint metricsEndpoint;
  private boolean closed;

  /** A node on sockets and the system clock. */
  public StorageNode(StorageConfig config) {
    this(config, NodeEnvironment.real());
  }

  /** A node in {@code environment}: tests run whole clusters in one JVM on in-process channels. */
  public StorageNode(StorageConfig config, NodeEnvironment environment) {
    this.config = config;
    this.environment = environment;
  }

  public synchronized void start() throws IOException {
    if (engine != null) {
      throw new IllegalStateException("node already started");
    }
    // What the node logs while starting names it, also when several nodes share a JVM.
    try (MDC.MDCCloseable node = MDC.putCloseable(DaemonThreads.NODE_KEY, config.nodeId())) {
      assemble();
    }
  }

  private void assemble() throws IOException {
    String id = config.nodeId();
    KeyHasher hasher = environment.hasher();
    LongSupplier clockMs = environment.wallClockMs();
    engine = RocksStorageEngine.open(config.dataDir().resolve("db"), hasher,
        config.recordCacheBytes());
    TombstoneGrace grace = new TombstoneGrace(config.tombstoneGrace(), clockMs);
    PauseWatch pauses = new PauseWatch(grace);
    // Until the manager answers, the node has no table and coordinates nothing.
    TableHolder tables = new TableHolder(RingTable.empty("unjoined", 1));
    SyncState syncState = new SyncState(id, tables, hasher);
    LocalReplica local = new LocalReplica(engine, new HybridClock(id, clockMs),
        syncState::isCaughtUp, () -> tables.get().epoch(), grace, pauses);
    network = environment.networks().apply(id);
    FlushBeforeSend flushBeforeSend = new FlushBeforeSend(engine::flushWrites);
    channels = new ChannelPool(config.maxMessageBytes(), Credentials.channel(config.tls()), true,
        (target, credentials) ->
            network.channelBuilder(target, credentials).intercept(flushBeforeSend));
    int maxFrameBytes = Math.min(MAX_FRAME_BYTES, config.maxMessageBytes() / 2);
    // Without TLS, a cluster secret is how this node proves its id to peers and the manager.
    CallCredentials identity = config.tls() == null && config.clusterSecret() != null
        ? new ClusterSecret(id, config.clusterSecret()) : null;
    replicas = new GrpcReplicaClient(channels, config.replicaTimeoutMs(),
        network.executor(), network.executor(), maxFrameBytes, identity, clockMs);
    ScheduledExecutorService loop = network.executor();
    InFlightBudget clientBudget =
        new InFlightBudget(config.maxInFlightRequests(), config.maxInFlightBytes());
    // Peers' traffic has its own budget: coordinators under a client flood fan it out here.
    InFlightBudget peerBudget =
        new InFlightBudget(config.maxInFlightRequests(), config.maxInFlightBytes());
    NodeCounters counters = new NodeCounters(clockMs);
    Coordinator coordinator = new Coordinator(id, tables, local, replicas, hasher,
        new PeerHealth(clockMs, FIRST_SUSPICION_MS, MAX_SUSPICION_MS,
            config.replicaTimeoutMs()),
        new Speculation((task, ms) -> loop.schedule(task, ms, TimeUnit.MILLISECONDS),
            System::nanoTime, MIN_SPECULATION_MS, Math.max(MIN_SPECULATION_MS,
                Math.min(MAX_SPECULATION_MS, config.replicaTimeoutMs() / 2))),
        clientBudget, counters);

    background = new BackgroundTasks(id);
    Runnable syncPass = new RangeSync(syncState, engine, local, replicas, tables,
        config.replicaTimeoutMs(), (key, record) -> config.limits().checkRecord(key, record,
            clockMs.getAsLong()), counters);
    tables.onChange(table -> {
      channels.resetConnectBackoff(); // a peer may be back: reconnect now, not after backoff
      syncState.onTable(table);
      background.rangeSyncNow(syncPass); // catch up on new ranges now, not at the next tick
    });

    Runnable beatSoon = background::heartbeatSoon;
    AccessPolicy access =
        new AccessPolicy(config.tls() != null, config.token(), config.clusterSecret());
    NodeMetrics metrics = new NodeMetrics();
    metrics.watch(new NodeGauges.Sources(engine, syncState, tables, clientBudget, peerBudget,
        local::hintsStoredTotal, counters, clockMs));
    kvService = new KvService(id, coordinator, tables, config.limits(), beatSoon, clientBudget,
        loop, maxFrameBytes, clockMs, metrics);
    replicaService = new ReplicaService(id, local, engine, tables, syncState::isCaughtUpOn,
        beatSoon, config.limits(), peerBudget, loop, maxFrameBytes, clockMs, metrics,
        background.scans());
    metrics.watchStreams("clients", kvService::framesRead, kvService::requestsRead);
    metrics.watchStreams("peers", replicaService::framesRead, replicaService::requestsRead);
    MalformedRequests malformed = new MalformedRequests(id);
    server = network.serverBuilder(config.host(), config.port(),
            Credentials.server(config.tls()), config.maxInFlightRequests())
        // Handlers never block (the local store answers in microseconds, replicas
        // asynchronously): running them on the network threads saves a thread hand-off per call.
        .directExecutor()
        .maxInboundMessageSize(config.maxMessageBytes())
        .intercept(flushBeforeSend)
        .addService(malformed.guard(ServerInterceptors.intercept(kvService,
            kvService.admission(clientBudget, loop), access)))
        .addService(malformed.guard(ServerInterceptors.intercept(replicaService,
            KvService.admission(id, peerBudget, loop), access)))
        .addService(malformed.guard(ServerInterceptors.intercept(
            new AdminService(id, engine, tables, syncState, background.scans(),
                this::metricsPort, clockMs, () -> background.rangeSyncNow(syncPass), counters),
            access)))
        .build()
        .start();
    if (config.metricsPort() != MetricsEndpoint.OFF) {
      metricsEndpoint = MetricsEndpoint.start(id, config.host(), config.metricsPort(),
          metrics.registry(), config.token(), null);
      Files.writeString(config.dataDir().resolve("metrics.port"),
          Integer.toString(metricsEndpoint.port()), StandardCharsets.UTF_8);
    }
    // The advertised address needs the bound port, so the heartbeat starts after the server.
    String address = config.host() + ":" + port();
    Files.writeString(config.dataDir().resolve("node.port"), Integer.toString(port()),
        StandardCharsets.UTF_8);
    ManagerClient manager = new LeaderFollowingManagerClient(config.managerAddresses(),
        a -> new GrpcManagerClient(channels.channel(a), 1000, identity));
    background.heartbeatEvery(config.heartbeatIntervalMs(), new HeartbeatLoop(id, address,
        config.replaces(), manager, tables,
        new AbsenceGuard(grace, pauses, engine, exit)));
    background.sweepEvery(clamp(grace.grace().dividedBy(4), Duration.ofSeconds(1),
        Duration.ofHours(1)).toMillis(), new TombstoneSweep(engine, grace));
    background.hintDeliveryEvery(config.hintIntervalMs(),
        new HintDelivery(engine, replicas, tables, local::takeHintsStored, counters,
            grace));
    background.rangeSyncEvery(config.syncIntervalMs(), syncPass);
    background.rangeSyncEvery(config.syncIntervalMs() * CLEANUP_EVERY_SYNC_INTERVALS,
        new StrayCleanup(id, syncState, engine, replicas, tables,
            config.replicaTimeoutMs(), counters, grace, LeavingMark.in(config.dataDir())));
    log.info("node {} listening on {} (data dir {}, manager {}, heartbeat {} ms, replica timeout "
            + "{} ms, max key {} bytes, max value {} bytes, {} requests / {} bytes in flight, {}, "
            + "{})", id, address, config.dataDir(), config.managerAddress(),
        config.heartbeatIntervalMs(), config.replicaTimeoutMs(), config.limits().maxKeyBytes(),
        config.limits().maxValueBytes(), config.maxInFlightRequests(), config.maxInFlightBytes(),
        config.tls() == null ? "plaintext" : "mutual TLS",
        config.token() == null ? "no token" : "token required");
    if (metricsEndpoint != null) {
      log.info("node {} serves metrics on http://{}:{}/metrics", id, config.host(),
          metricsEndpoint.port());
    }
  }

  /** The port metrics are served on, or -1 for none. */
  public int metricsPort() {
    return metricsEndpoint == null ? MetricsEndpoint.OFF : metricsEndpoint.port();
  }

  public int port() {
    return network.port(server, config.port());
  }

  /**
   * Completes when the node should stop, with the exit code: 0 once it has been decommissioned
   * and left the ring, 1 if the cluster ran on without it for more than half the tombstone grace
   * (it may hold keys deleted meanwhile; started again, it begins empty).
   */
  public CompletableFuture<Integer> exitRequested() {
    return exit;
  }

  private static Duration clamp(Duration value, Duration min, Duration max) {
    return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (closed || engine == null) {
      return;
    }
    closed = true;
    background.stop();
    // Streams stay open until told to end: refuse new requests on them, answer the ones in
    // flight, then end them, so the server's own graceful shutdown has nothing left to wait for.
    kvService.drainStreams();
    replicaService.drainStreams();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    background.close();
    if (metricsEndpoint != null) {
      metricsEndpoint.close();
    }
    replicas.close();
    channels.close();
    network.close();
    engine.close();
    log.info("node {} stopped", config.nodeId());
  }
}

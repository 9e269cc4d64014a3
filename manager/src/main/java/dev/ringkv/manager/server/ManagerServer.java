package dev.ringkv.manager.server;

import dev.ringkv.manager.grpc.ManagerService;
import dev.ringkv.manager.membership.FileStateStore;
import dev.ringkv.manager.membership.Membership;
import dev.ringkv.process.DaemonThreads;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.Credentials;
import dev.ringkv.wire.MalformedRequests;
import dev.ringkv.wire.ServerLimits;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owns the manager's gRPC server and failure detector: {@link #start()} once, then close. */
public final class ManagerServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ManagerServer.class);

  private final ManagerConfig config;
  private Server server;
  private ScheduledExecutorService detector;

  public ManagerServer(ManagerConfig config) {
    this.config = config;
  }

  public synchronized void start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("manager already started");
    }
    Membership membership = Membership.open(new FileStateStore(config.dataDir()),
        config.replicationFactor(), config.tokensPerNode(), config.failureTimeoutMs(),
        System::currentTimeMillis, config.joins());
    server = ServerLimits.apply(NettyServerBuilder.forAddress(
            new InetSocketAddress(config.host(), config.port()), Credentials.server(config.tls())))
        .addService(new MalformedRequests("manager").guard(ServerInterceptors.intercept(
            new ManagerService(membership),
            new AccessPolicy(config.tls() != null, config.token(), config.clusterSecret()))))
        .build()
        .start();
    membership.serving();
    // Lets scripts and tests that asked for port 0 find the port that was chosen.
    Files.writeString(config.dataDir().resolve("manager.port"), Integer.toString(port()),
        StandardCharsets.UTF_8);
    detector = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.named("manager-failure-detector"));
    detector.scheduleWithFixedDelay(() -> {
      try {
        membership.detectFailures();
      } catch (RuntimeException e) {
        log.error("failure detector pass failed", e);
      }
    }, config.detectorIntervalMs(), config.detectorIntervalMs(), TimeUnit.MILLISECONDS);
    log.info("manager listening on {}:{} (data dir {}, replication factor {}, {} tokens per node, "
            + "failure timeout {} ms, {}, {}, {}, {})", config.host(), port(), config.dataDir(),
        config.replicationFactor(), config.tokensPerNode(), config.failureTimeoutMs(),
        config.tls() == null ? "plaintext" : "TLS", config.token() == null ? "no token"
            : "token required", config.tls() != null ? "nodes identified by certificate"
            : config.clusterSecret() != null ? "nodes identified by the cluster secret"
            : "nodes not identified", config.joins().allowJoin()
            ? "new nodes admitted up to " + config.joins().maxNodes() : "membership frozen");
  }

  public int port() {
    return server.getPort();
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
    log.info("manager stopped");
  }
}

package dev.ringkv.it;

import dev.ringkv.process.DaemonThreads;
import dev.ringkv.wire.Network;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A process's network inside one JVM: servers and channels named by {@code host:port} on
 * gRPC's in-process transport (plaintext, no sockets, no transport limits), one network thread
 * per process as on sockets, and {@link SlowLinks} on the way back from every node it calls.
 */
final class InProcessNetwork implements Network {

  private final ScheduledExecutorService executor;
  private final String name;
  private final SlowLinks links;

  InProcessNetwork(String name, SlowLinks links) {
    this.name = name;
    this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.of(name, "network"));
    this.links = links;
  }

  @Override
  public ServerBuilder<?> serverBuilder(String host, int port, ServerCredentials credentials,
      int maxCallsPerConnection) {
    if (port == 0) {
      throw new IllegalArgumentException("an in-process server needs a port to be named by");
    }
    return InProcessServerBuilder.forName(host + ":" + port);
  }

  @Override
  public ManagedChannelBuilder<?> channelBuilder(String target, ChannelCredentials credentials) {
    return InProcessChannelBuilder.forName(target).intercept(links.from(name, target, executor));
  }

  @Override
  public int port(Server server, int requestedPort) {
    return requestedPort;
  }

  @Override
  public ScheduledExecutorService executor() {
    return executor;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

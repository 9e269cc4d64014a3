package dev.ringkv.wire;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How a process serves and calls: over sockets ({@link NettyNetwork}), or, for tests that run a
 * whole cluster in one JVM, in-process channels named by address.
 */
public interface Network extends AutoCloseable {

  /**
   * A server for {@code host:port} (port 0: any free port), with the limits of
   * {@link ServerLimits} where the transport has them.
   */
  ServerBuilder<?> serverBuilder(String host, int port, ServerCredentials credentials,
      int maxCallsPerConnection);

  ManagedChannelBuilder<?> channelBuilder(String target, ChannelCredentials credentials);

  /** The port {@code server}, built here for {@code requestedPort}, listens on. */
  int port(Server server, int requestedPort);

  /** Where the process runs its network work: frames, timeouts, continuations. */
  ScheduledExecutorService executor();

  @Override
  void close();
}

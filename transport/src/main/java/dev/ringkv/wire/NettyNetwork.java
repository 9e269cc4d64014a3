package dev.ringkv.wire;

import dev.ringkv.process.DaemonThreads;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Sockets on one network thread (epoll where available), shared by a process's server and its
 * channels: on a laptop many nodes share few cores, and one loop per node, serving and calling
 * peers alike, spends the least on switching between threads.
 */
public final class NettyNetwork implements Network {

  private final EventLoopGroup group;
  private final boolean epoll;

  private NettyNetwork(EventLoopGroup group, boolean epoll) {
    this.group = group;
    this.epoll = epoll;
  }

  /** @param name names the network thread */
  public static NettyNetwork create(String name) {
    ThreadFactory threads = DaemonThreads.of(name, "network");
    return Epoll.isAvailable()
        ? new NettyNetwork(new EpollEventLoopGroup(1, threads), true)
        : new NettyNetwork(new NioEventLoopGroup(1, threads), false);
  }

  @Override
  public ServerBuilder<?> serverBuilder(String host, int port, ServerCredentials credentials,
      int maxCallsPerConnection) {
    Class<? extends ServerChannel> type =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    return ServerLimits.apply(NettyServerBuilder.forAddress(new InetSocketAddress(host, port),
            credentials))
        .maxConcurrentCallsPerConnection(maxCallsPerConnection)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .channelType(type);
  }

  @Override
  public ManagedChannelBuilder<?> channelBuilder(String target, ChannelCredentials credentials) {
    return NettyChannelBuilder.forTarget(target, credentials)
        .eventLoopGroup(group)
        .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
  }

  @Override
  public int port(Server server, int requestedPort) {
    return server.getPort();
  }

  /** The loop itself: tasks run on the network thread, after the input it is handling. */
  @Override
  public ScheduledExecutorService executor() {
    return group.next();
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}

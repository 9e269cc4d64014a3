package dev.ringkv.storage.server;

import dev.ringkv.process.DaemonThreads;
import dev.ringkv.wire.ServerLimits;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannelBuilder;
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

/** The node's single network thread (epoll where available), shared by its server and channels. */
final class NetworkLoop implements AutoCloseable {

  private final EventLoopGroup group;
  private final boolean epoll;

  private NetworkLoop(EventLoopGroup group, boolean epoll) {
    this.group = group;
    this.epoll = epoll;
  }

  static NetworkLoop create(String nodeId) {
    ThreadFactory threads = DaemonThreads.named(nodeId + "-network");
    return Epoll.isAvailable()
        ? new NetworkLoop(new EpollEventLoopGroup(1, threads), true)
        : new NetworkLoop(new NioEventLoopGroup(1, threads), false);
  }

  NettyServerBuilder serverBuilder(InetSocketAddress address, ServerCredentials credentials) {
    Class<? extends ServerChannel> type =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    return ServerLimits.apply(NettyServerBuilder.forAddress(address, credentials))
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .channelType(type);
  }

  ManagedChannelBuilder<?> channelBuilder(String target, ChannelCredentials credentials) {
    return NettyChannelBuilder.forTarget(target, credentials)
        .eventLoopGroup(group)
        .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
  }

  /** The loop itself: tasks run on the network thread, after the input it is handling. */
  ScheduledExecutorService executor() {
    return group.next();
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}

package dev.ringkv.wire;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;

/**
 * The transport limits every ringkv server runs with, from grpc-java's own builder: what a
 * hostile or broken peer can do to a connection is bounded before any request is read.
 */
public final class ServerLimits {

  /** Stream resets a connection may send per window before it is closed (HTTP/2 rapid reset). */
  static final int MAX_RESETS_PER_WINDOW = 200;
  static final int RESET_WINDOW_SECONDS = 10;
  /** A connection with no call for this long is closed; clients reconnect when they need to. */
  static final long MAX_IDLE_MINUTES = 10;
  /** A TLS or HTTP/2 handshake that has not finished by then is abandoned. */
  static final long HANDSHAKE_SECONDS = 10;

  private ServerLimits() {}

  public static NettyServerBuilder apply(NettyServerBuilder builder) {
    return builder
        .maxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
        .maxConnectionIdle(MAX_IDLE_MINUTES, TimeUnit.MINUTES)
        .handshakeTimeout(HANDSHAKE_SECONDS, TimeUnit.SECONDS)
        .maxInboundMetadataSize(16 * 1024);
  }
}

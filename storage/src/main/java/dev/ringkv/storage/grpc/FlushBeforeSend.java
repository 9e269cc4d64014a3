package dev.ringkv.storage.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * No message leaves the node before the writes made ahead of it survive a crash of the node's
 * process. The store logs its writes in memory and writes the log out only when asked
 * ({@link dev.ringkv.storage.engine.StorageEngine#flushWrites}), so that writes served together
 * are logged together; this is the one place that asks, for every reply the node's server sends
 * and every message its channels send to peers and the manager. So an acknowledgment, a value
 * read, a "caught up" or a heartbeat never vouches for a write a crash could still take back.
 * When the log cannot be written, the message is not sent: the exception goes to the sender.
 */
public final class FlushBeforeSend implements ServerInterceptor, ClientInterceptor {

  private final Runnable flushWrites;

  public FlushBeforeSend(Runnable flushWrites) {
    this.flushWrites = flushWrites;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        flushWrites.run();
        super.sendMessage(message);
      }
    }, headers);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
      CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void sendMessage(Q message) {
        flushWrites.run();
        super.sendMessage(message);
      }
    };
  }
}

package dev.ringkv.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request message that does not parse with {@code INVALID_ARGUMENT} and one log line
 * at most every {@link #LOG_INTERVAL_MS}, counting the ones in between. Without it, gRPC answers
 * {@code UNKNOWN} and logs a stack trace for each: a cheap way to fill a node's disk.
 */
public final class MalformedRequests implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(MalformedRequests.class);
  static final long LOG_INTERVAL_MS = 10_000;

  /**
   * Hands the transport's stream on as it is, to be parsed in the listener's {@code onMessage}
   * while it is still valid. (gRPC's {@code useInputStreamMessages} copies each message into a
   * new buffered stream first, which loses protobuf's zero-copy parsing: measured at ~4% of a
   * node's CPU under the benchmark.)
   */
  private static final MethodDescriptor.Marshaller<InputStream> AS_RECEIVED =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
          return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
          return stream;
        }
      };

  private final String nodeId;
  private final LongSupplier clockMs;
  private final AtomicLong nextLogMs = new AtomicLong();
  private final AtomicLong unlogged = new AtomicLong();

  /** One per process, shared by its services: the log limit is the process's. */
  public MalformedRequests(String nodeId) {
    this(nodeId, System::currentTimeMillis);
  }

  MalformedRequests(String nodeId, LongSupplier clockMs) {
    this.nodeId = nodeId;
    this.clockMs = clockMs;
  }

  /**
   * {@code service} with its request messages parsed where a malformed one can be refused: the
   * service and its interceptors see only messages that parsed.
   */
  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    return ServerInterceptors.intercept(
        ServerInterceptors.useMarshalledMessages(service, AS_RECEIVED), this);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message); // parsing happens here
        } catch (StatusRuntimeException e) {
          if (!(e.getCause() instanceof InvalidProtocolBufferException malformed)) {
            throw e;
          }
          refused = true;
          logLimited(call, malformed);
          call.close(Status.INVALID_ARGUMENT.withDescription(nodeId + " could not parse the "
              + "request message of " + call.getMethodDescriptor().getFullMethodName() + ": "
              + malformed.getMessage()), new Metadata());
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }

  private void logLimited(ServerCall<?, ?> call, InvalidProtocolBufferException malformed) {
    long now = clockMs.getAsLong();
    long next = nextLogMs.get();
    if (now < next || !nextLogMs.compareAndSet(next, now + LOG_INTERVAL_MS)) {
      unlogged.incrementAndGet();
      return;
    }
    long before = unlogged.getAndSet(0);
    log.warn("refused a malformed request to {} from {}: {}{}",
        call.getMethodDescriptor().getFullMethodName(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), malformed.getMessage(),
        before == 0 ? "" : " (and " + before + " more since the last such line)");
  }
}

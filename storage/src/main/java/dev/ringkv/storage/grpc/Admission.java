package dev.ringkv.storage.grpc;

import com.google.protobuf.MessageLite;
import dev.ringkv.wire.InFlightBudget;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * Load shedding for single-request calls: each holds a slot and its message's bytes of the
 * {@link InFlightBudget}, with what serving it brings into memory beyond them, until it ends.
 * Beyond the budget, a call is refused at once with {@code RESOURCE_EXHAUSTED}, which clients
 * retry with backoff, instead of queueing until the node runs out of memory. Streams are let
 * through: they take from the budget per request. A call whose message has not arrived within
 * {@link #MESSAGE_TIMEOUT_MS} is ended with {@code DEADLINE_EXCEEDED}, so callers that send
 * headers and nothing else cannot hold every slot.
 */
final class Admission implements ServerInterceptor {

  static final long MESSAGE_TIMEOUT_MS = 10_000;

  private final String nodeId;
  private final InFlightBudget budget;
  private final ScheduledExecutorService timer;
  private final ToLongFunction<Object> reserve;

  /**
   * @param timer runs the message timeouts (the node's network thread)
   * @param reserve the bytes serving a message brings into memory beyond the message itself;
   *     held with it
   */
  Admission(String nodeId, InFlightBudget budget, ScheduledExecutorService timer,
      ToLongFunction<Object> reserve) {
    this.nodeId = nodeId;
    this.budget = budget;
    this.timer = timer;
    this.reserve = reserve;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.BIDI_STREAMING) {
      return next.startCall(call, headers);
    }
    if (!budget.tryTakeSlot()) {
      call.close(budget.overRequests(nodeId), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Admitted<Q, R> admitted = new Admitted<>(call);
    ServerCall.Listener<Q> listener = admitted.listen(next.startCall(admitted, headers));
    admitted.noMessage = timer.schedule(admitted::messageOverdue, MESSAGE_TIMEOUT_MS,
        TimeUnit.MILLISECONDS);
    return listener;
  }

  /** One admitted call: gives back its slot and bytes exactly once, however it ends. */
  private final class Admitted<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile long heldBytes;
    private volatile boolean refused;
    private volatile boolean messageCame;
    private volatile ScheduledFuture<?> noMessage;

    Admitted(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      release();
      super.close(status, trailers);
    }

    void messageOverdue() {
      if (!messageCame && !released.get()) {
        refused = true;
        close(Status.DEADLINE_EXCEEDED.withDescription(nodeId + ": no request message within "
            + MESSAGE_TIMEOUT_MS + " ms of the call's start"), new Metadata());
      }
    }

    ServerCall.Listener<Q> listen(ServerCall.Listener<Q> delegate) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
        @Override
        public void onMessage(Q message) {
          messageCame = true;
          long size = (message instanceof MessageLite m ? m.getSerializedSize() : 0)
              + reserve.applyAsLong(message);
          if (!budget.tryAdmitBytes(size)) {
            refused = true;
            close(budget.overBytes(nodeId), new Metadata());
            return;
          }
          heldBytes = size;
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!refused) {
            super.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          release();
          if (!refused) {
            super.onCancel();
          }
        }

        @Override
        public void onComplete() {
          release();
          if (!refused) {
            super.onComplete();
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

    private void release() {
      if (released.compareAndSet(false, true)) {
        budget.release(heldBytes);
        ScheduledFuture<?> timeout = noMessage;
        if (timeout != null) {
          timeout.cancel(false);
        }
      }
    }
  }
}

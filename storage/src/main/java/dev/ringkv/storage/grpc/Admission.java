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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Load shedding for single-request calls: each holds a slot and its message's bytes of the
 * {@link InFlightBudget} until it ends. Beyond the budget, a call is refused at once with
 * {@code RESOURCE_EXHAUSTED}, which clients retry with backoff, instead of queueing until the
 * node runs out of memory. Streams are let through: they take from the budget per request.
 */
final class Admission implements ServerInterceptor {

  private final String nodeId;
  private final InFlightBudget budget;

  Admission(String nodeId, InFlightBudget budget) {
    this.nodeId = nodeId;
    this.budget = budget;
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
    return admitted.listen(next.startCall(admitted, headers));
  }

  /** One admitted call: gives back its slot and bytes exactly once, however it ends. */
  private final class Admitted<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile long heldBytes;
    private volatile boolean refused;

    Admitted(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      release();
      super.close(status, trailers);
    }

    ServerCall.Listener<Q> listen(ServerCall.Listener<Q> delegate) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
        @Override
        public void onMessage(Q message) {
          long size = message instanceof MessageLite m ? m.getSerializedSize() : 0;
          if (!budget.tryHoldBytes(size)) {
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
      }
    }
  }
}

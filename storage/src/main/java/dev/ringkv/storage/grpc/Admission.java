package dev.ringkv.storage.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load shedding for client requests: at most {@code maxCalls} in flight and at most
 * {@code maxBytes} of request messages held at once. Beyond either, a request is refused at once
 * with {@code RESOURCE_EXHAUSTED}, which clients retry with backoff, instead of queueing until the
 * node runs out of memory.
 */
final class Admission implements ServerInterceptor {

  private final String nodeId;
  private final int maxCalls;
  private final long maxBytes;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();

  Admission(String nodeId, int maxCalls, long maxBytes) {
    this.nodeId = nodeId;
    this.maxCalls = maxCalls;
    this.maxBytes = maxBytes;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (calls.incrementAndGet() > maxCalls) {
      calls.decrementAndGet();
      call.close(overloaded(maxCalls + " requests in flight"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Admitted<Q, R> admitted = new Admitted<>(call);
    return admitted.listen(next.startCall(admitted, headers));
  }

  private Status overloaded(String what) {
    return Status.RESOURCE_EXHAUSTED.withDescription(
        nodeId + " is overloaded (" + what + "); retry with backoff");
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
          if (bytes.addAndGet(size) > maxBytes) {
            bytes.addAndGet(-size);
            refused = true;
            close(overloaded("over " + maxBytes + " bytes of requests in flight"), new Metadata());
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
        calls.decrementAndGet();
        bytes.addAndGet(-heldBytes);
      }
    }
  }
}

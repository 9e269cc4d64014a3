package dev.ringkv.wire;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The serving end of a {@link RequestStream}: hands each request of a frame to a handler and
 * sends the replies back in frames, as many per frame as are ready when one leaves. Each request
 * holds its size plus {@link #BOOKKEEPING_BYTES} of the service's {@link InFlightBudget} until it
 * is answered; a request beyond the budget is answered at once with {@code RESOURCE_EXHAUSTED},
 * which callers retry. A request whose deadline has passed when it is read is answered
 * {@code DEADLINE_EXCEEDED} and never served: its caller gave up on it, perhaps retried it
 * elsewhere, and a late copy must not be applied or forwarded. (A stream reads one frame at a time, so the count of its requests needs no
 * limit of its own: the bytes bound both memory and queueing.)
 *
 * <p>{@link #drain()} is the graceful stop: new requests are answered {@code UNAVAILABLE}, and
 * each stream ends once everything it had in flight is answered.
 *
 * @param <Q> a request
 * @param <F> a frame of requests
 * @param <P> a reply
 * @param <G> a frame of replies
 */
public final class StreamServer<Q, F, P, G> {

  /** How requests and replies of one service travel in frames. */
  public interface Framing<Q, F, P, G> {
    List<Q> requests(F frame);

    G replyFrame(List<P> replies);

    int requestSize(Q request);

    int replySize(P reply);

    /** Wall-clock ms after which the caller no longer waits for {@code request}; 0: none. */
    long deadlineMs(Q request);

    /** The reply saying {@code request} failed with {@code status}. */
    P error(Q request, Status status);
  }

  /** What a request costs to track while in flight, beyond its own bytes. */
  public static final int BOOKKEEPING_BYTES = 1024;

  private final String nodeId;
  private final Framing<Q, F, P, G> framing;
  private final Function<Q, CompletableFuture<P>> handler;
  private final InFlightBudget budget;
  private final Executor sender;
  private final int maxFrameBytes;
  private final LongSupplier clockMs;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  /**
   * @param handler answers one request; it must not block
   * @param sender where reply frames are assembled and sent (the network thread, so replies
   *     completed while it handles one batch of input leave together)
   */
  public StreamServer(String nodeId, Framing<Q, F, P, G> framing,
      Function<Q, CompletableFuture<P>> handler, InFlightBudget budget, Executor sender,
      int maxFrameBytes) {
    this(nodeId, framing, handler, budget, sender, maxFrameBytes, System::currentTimeMillis);
  }

  /** As above, reading request deadlines against {@code clockMs}. */
  public StreamServer(String nodeId, Framing<Q, F, P, G> framing,
      Function<Q, CompletableFuture<P>> handler, InFlightBudget budget, Executor sender,
      int maxFrameBytes, LongSupplier clockMs) {
    this.clockMs = clockMs;
    this.nodeId = nodeId;
    this.framing = framing;
    this.handler = handler;
    this.budget = budget;
    this.sender = sender;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Serves one stream call; returns its request observer. */
  public StreamObserver<F> open(StreamObserver<G> replies) {
    Session session = new Session((ServerCallStreamObserver<G>) replies);
    sessions.add(session);
    if (draining) {
      session.scheduleFlush();
    }
    return session;
  }

  /** Refuses new requests and ends every stream once its requests in flight are answered. */
  public void drain() {
    draining = true;
    sessions.forEach(Session::scheduleFlush);
  }

  /** How many streams are open. */
  public int openStreams() {
    return sessions.size();
  }

  private final class Session implements StreamObserver<F> {
    private final ServerCallStreamObserver<G> out;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<P> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private volatile boolean callerDone;
    private volatile boolean cancelled;
    private boolean ended; // only touched by flush, which never runs twice at once

    Session(ServerCallStreamObserver<G> out) {
      this.out = out;
      out.setOnCancelHandler(this::cancel);
    }

    @Override
    public void onNext(F frame) {
      for (Q request : framing.requests(frame)) {
        serve(request);
      }
    }

    private void serve(Q request) {
      if (draining) {
        reply(framing.error(request, Status.UNAVAILABLE.withDescription(
            nodeId + " is stopping; retry on another node")));
        return;
      }
      long deadline = framing.deadlineMs(request);
      if (deadline > 0 && clockMs.getAsLong() > deadline) {
        reply(framing.error(request, Status.DEADLINE_EXCEEDED.withDescription(
            "the caller's deadline passed before " + nodeId + " could serve the request")));
        return;
      }
      int size = framing.requestSize(request) + BOOKKEEPING_BYTES;
      if (!budget.tryHoldBytes(size)) {
        reply(framing.error(request, budget.overBytes(nodeId)));
        return;
      }
      inFlight.incrementAndGet();
      CompletableFuture<P> answer;
      try {
        answer = handler.apply(request);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((reply, error) -> {
        budget.releaseBytes(size);
        // Queued before the count drops, so the stream cannot end without this reply.
        outbound.add(error == null ? reply : framing.error(request, Status.fromThrowable(error)));
        inFlight.decrementAndGet();
        scheduleFlush();
      });
    }

    private void reply(P reply) {
      outbound.add(reply);
      scheduleFlush();
    }

    void scheduleFlush() {
      if (flushQueued.compareAndSet(false, true)) {
        sender.execute(this::flush);
      }
    }

    private void flush() {
      do {
        FramePacker.drain(outbound, framing::replySize, maxFrameBytes, this::send);
        if (!ended && endDue() && outbound.isEmpty()) {
          ended = true;
          sessions.remove(this);
          if (!cancelled) {
            out.onCompleted();
          }
        }
        flushQueued.set(false);
      } while (!ended && (!outbound.isEmpty() || endDue())
          && flushQueued.compareAndSet(false, true));
    }

    private boolean endDue() {
      return (draining || callerDone) && inFlight.get() == 0;
    }

    private void send(List<P> frame) {
      if (!cancelled && !ended) {
        out.onNext(framing.replyFrame(frame));
      }
    }

    @Override
    public void onError(Throwable error) {
      cancel();
    }

    private void cancel() {
      cancelled = true;
      sessions.remove(this);
    }

    @Override
    public void onCompleted() {
      callerDone = true;
      scheduleFlush();
    }
  }
}

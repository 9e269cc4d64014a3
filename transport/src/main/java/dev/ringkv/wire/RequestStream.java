package dev.ringkv.wire;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * The calling end of a request stream: requests to one peer over one long-lived bidirectional
 * gRPC stream, each tagged with an id and answered in any order. Requests submitted while a frame
 * is on its way leave together in the next one, so under load one frame (one message, one socket
 * write at each end) carries many requests; a request alone leaves at once. Frames leave only
 * while the transport is ready for them (HTTP/2 flow control): requests a slow peer cannot take
 * yet wait here, as requests, not in the transport's buffers outside the heap.
 *
 * <p>A request not answered within its timeout fails with {@code DEADLINE_EXCEEDED}. When the
 * stream breaks (the peer died, or is stopping), every request still open on it fails with the
 * stream's status ({@code UNAVAILABLE} if the peer stopped or dropped the connection), and the
 * next request opens a new stream.
 *
 * <p>At over 300 lines it is longer than most classes here, on purpose: batching, flow control,
 * timeouts and the stream's failure are one state machine under one lock, and split up they
 * would share that lock and state across classes.
 *
 * @param <Q> a request
 * @param <F> a frame of requests
 * @param <P> a reply
 * @param <G> a frame of replies
 */
public final class RequestStream<Q, F, P, G> implements AutoCloseable {

  /** How requests and replies of one service travel in frames. */
  public interface Framing<Q, F, P, G> {
    F requestFrame(List<Q> requests);

    List<P> replies(G frame);

    long id(P reply);

    /** Why the request of {@code reply} failed, or null if it succeeded. */
    Status failure(P reply);

    int requestSize(Q request);
  }

  private static final long SWEEP_INTERVAL_MS = 20;

  private final Framing<Q, F, P, G> framing;
  private final Function<StreamObserver<G>, StreamObserver<F>> opener;
  private final Executor sender;
  private final ScheduledExecutorService timer;
  private final int maxFrameBytes;
  private final AtomicLong ids = new AtomicLong();
  private volatile Session current; // replaced under this
  private boolean closed; // guarded by this

  /**
   * @param opener starts the stream call, e.g.
   *     {@code replies -> KvGrpc.newStub(channel).stream(replies)}
   * @param sender where frames are assembled and sent; requests submitted while it is busy or
   *     has not yet run share a frame
   * @param timer runs the timeouts
   * @param maxFrameBytes a frame grows no larger unless a single request is larger
   */
  public RequestStream(Framing<Q, F, P, G> framing,
      Function<StreamObserver<G>, StreamObserver<F>> opener, Executor sender,
      ScheduledExecutorService timer, int maxFrameBytes) {
    this.framing = framing;
    this.opener = opener;
    this.sender = sender;
    this.timer = timer;
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Sends one request.
   *
   * @param request builds the request with the id its reply will carry
   * @return the reply; fails with a gRPC status exception if the peer answers with an error,
   *     the stream breaks, or no reply comes within {@code timeoutMs}
   */
  public CompletableFuture<P> submit(LongFunction<Q> request, long timeoutMs) {
    Session session = current; // the common case: no lock
    try {
      if (session == null) {
        session = session();
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          Status.UNAVAILABLE.withDescription("cannot open a stream: " + e).asRuntimeException());
    }
    if (session == null) {
      return CompletableFuture.failedFuture(
          Status.UNAVAILABLE.withDescription("request stream closed").asRuntimeException());
    }
    long id = ids.incrementAndGet();
    return session.submit(id, request.apply(id), timeoutMs);
  }

  /** Fails every open request and stops; later requests fail at once. */
  @Override
  public void close() {
    Session last;
    synchronized (this) {
      closed = true;
      last = current;
      current = null;
    }
    if (last != null) {
      last.abort(Status.UNAVAILABLE.withDescription("request stream closed"));
    }
  }

  private synchronized Session session() {
    if (closed) {
      return null;
    }
    if (current == null) {
      Session session = new Session();
      session.start();
      if (session.failure != null) {
        return session; // failed as it opened: its request fails, the next one tries anew
      }
      current = session;
    }
    return current;
  }

  private synchronized void forget(Session session) {
    if (current == session) {
      current = null;
    }
  }

  /**
   * What a broken stream means for its open requests. A peer that stops or dies cancels the
   * stream or drops its connection; for the caller that is one thing, the peer being unavailable.
   */
  static Status brokenStream(Status status) {
    boolean connectionLost = status.getCode() == Status.Code.UNKNOWN
        && status.getCause() instanceof IOException;
    if (status.getCode() == Status.Code.CANCELLED || connectionLost) {
      return Status.UNAVAILABLE.withDescription("the stream to the peer broke: "
          + status.getCode() + (status.getDescription() == null ? ""
          : " (" + status.getDescription() + ")")).withCause(status.getCause());
    }
    return status;
  }

  private record Pending<P>(CompletableFuture<P> reply, long deadlineNanos) {}

  /** One stream call and the requests open on it. */
  private final class Session implements ClientResponseObserver<F, G> {
    private final Map<Long, Pending<P>> open = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Q> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private volatile StreamObserver<F> requests;
    private volatile ClientCallStreamObserver<F> call; // set as the call starts
    private volatile Status failure;
    private volatile ScheduledFuture<?> sweeper;

    void start() {
      // The stream outlives whatever call is being served while it opens: it must not be
      // cancelled along with that call.
      Context previous = Context.ROOT.attach();
      try {
        requests = opener.apply(this);
      } finally {
        Context.ROOT.detach(previous);
      }
      sweeper = timer.scheduleWithFixedDelay(this::expire, SWEEP_INTERVAL_MS, SWEEP_INTERVAL_MS,
          TimeUnit.MILLISECONDS);
      if (failure != null) {
        sweeper.cancel(false);
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<F> call) {
      this.call = call;
      call.setOnReadyHandler(this::scheduleFlush);
    }

    CompletableFuture<P> submit(long id, Q request, long timeoutMs) {
      CompletableFuture<P> reply = new CompletableFuture<>();
      open.put(id, new Pending<>(reply,
          System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)));
      Status failed = failure;
      if (failed != null) { // broke meanwhile: the sweep of open requests may have missed this one
        open.remove(id);
        reply.completeExceptionally(failed.asRuntimeException());
        return reply;
      }
      outbound.add(request);
      scheduleFlush();
      return reply;
    }

    private void scheduleFlush() {
      if (flushQueued.compareAndSet(false, true)) {
        try {
          sender.execute(this::flush);
        } catch (RejectedExecutionException e) {
          fail(Status.UNAVAILABLE.withDescription("request stream closed"));
        }
      }
    }

    /**
     * Sends what is queued, in as few frames as the size limit allows, while the transport is
     * ready; the rest waits for it to say it is ready again.
     */
    private void flush() {
      do {
        FramePacker.drain(outbound, framing::requestSize, maxFrameBytes, this::send,
            this::mayStart);
        flushQueued.set(false);
      } while (!outbound.isEmpty() && mayStart() && flushQueued.compareAndSet(false, true));
    }

    private boolean mayStart() {
      ClientCallStreamObserver<F> c = call;
      return failure != null || c == null || c.isReady();
    }

    private void send(List<Q> frame) {
      if (failure != null) {
        return; // their callers were told when the stream failed
      }
      try {
        requests.onNext(framing.requestFrame(frame));
      } catch (RuntimeException e) {
        abort(Status.fromThrowable(e));
      }
    }

    @Override
    public void onNext(G frame) {
      for (P reply : framing.replies(frame)) {
        Pending<P> pending = open.remove(framing.id(reply));
        if (pending == null) {
          continue; // timed out already
        }
        Status failed = framing.failure(reply);
        if (failed == null) {
          pending.reply().complete(reply);
        } else {
          pending.reply().completeExceptionally(failed.asRuntimeException());
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      fail(Status.fromThrowable(error));
    }

    @Override
    public void onCompleted() {
      fail(Status.UNAVAILABLE.withDescription("the peer closed the stream (it is stopping)"));
    }

    /** Fails every open request and cancels the call. */
    void abort(Status status) {
      fail(status);
      if (requests instanceof ClientCallStreamObserver<F> call) {
        call.cancel(status.getDescription(), status.getCause());
      }
    }

    private void fail(Status cause) {
      if (failure != null) {
        return;
      }
      Status status = brokenStream(cause);
      failure = status;
      forget(this);
      scheduleFlush(); // drops what is still queued
      ScheduledFuture<?> sweep = sweeper;
      if (sweep != null) {
        sweep.cancel(false);
      }
      for (Long id : open.keySet()) {
        Pending<P> pending = open.remove(id);
        if (pending != null) {
          pending.reply().completeExceptionally(status.asRuntimeException());
        }
      }
    }

    private void expire() {
      long now = System.nanoTime();
      for (Map.Entry<Long, Pending<P>> e : open.entrySet()) {
        if (now - e.getValue().deadlineNanos() > 0 && open.remove(e.getKey(), e.getValue())) {
          e.getValue().reply().completeExceptionally(Status.DEADLINE_EXCEEDED
              .withDescription("no reply within the request's timeout").asRuntimeException());
        }
      }
    }
  }
}

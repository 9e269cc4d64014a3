package dev.ringkv.wire;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The serving end of a {@link RequestStream}: hands each request of a frame to a handler and sends
 * the replies back in frames, as many per frame as are ready when one leaves. Each request holds
 * of the service's {@link InFlightBudget} its size, {@link #BOOKKEEPING_BYTES}, and what the
 * service reserves for it (for a read, the replies it will wait for), then its reply's size too,
 * until the reply has been handed to the transport: what a request can bring into memory is
 * counted before it is served. A request beyond the part of the budget new requests may take
 * ({@link InFlightBudget#tryAdmitBytes}) is answered at once with {@code RESOURCE_EXHAUSTED},
 * which callers retry. Replies are sent only while the transport is ready for them, and a stream's
 * next request is served only then and while the stream holds less than its share of the budget: a
 * quarter, and for a stream whose replies are not being taken, only an equal part among all open
 * streams. A caller that stops reading its replies stops being served. What it took while it still
 * read stays held, though, so a few such streams could hold the whole budget: when a request finds
 * the budget full, every stream whose replies go unread (none taken for {@link #UNREAD_AFTER_MS})
 * while it holds more than an equal part is closed with {@code RESOURCE_EXHAUSTED} and gives its
 * part back, and the request is served after all, so callers that read are not starved by those
 * that do not. A request whose deadline has passed when it is read is answered
 * {@code DEADLINE_EXCEEDED} and never served: its caller gave up on it, perhaps retried it
 * elsewhere, and a late copy must not be applied or forwarded.
 *
 * <p>{@link #drain()} is the graceful stop: new requests are answered {@code UNAVAILABLE}, and
 * each stream ends once everything it had in flight is answered.
 *
 * <p>Like {@link RequestStream}, it is one state machine per stream (admission, batching, flow
 * control, drain) under one lock, which is why it is one class of over 300 lines.
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
  /** One stream may hold at most this fraction (1/N) of the budget before it is served no more. */
  private static final int STREAM_SHARE = 4;
  /**
   * How long a stream's replies must have gone untaken before it counts as unread: a caller that
   * reads is busy with a large reply for a moment at times, and is not to be closed for that.
   */
  static final long UNREAD_AFTER_MS = 1_000;

  private final String nodeId;
  private final Framing<Q, F, P, G> framing;
  private final Function<Q, CompletableFuture<P>> handler;
  private final ToLongFunction<Q> reserve;
  private final InFlightBudget budget;
  private final Executor sender;
  private final int maxFrameBytes;
  private final LongSupplier clockMs;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final LongAdder framesRead = new LongAdder();
  private final LongAdder requestsRead = new LongAdder();
  private volatile boolean draining;

  /** Frames read from every stream so far; with {@link #requestsRead()}, requests per frame. */
  public long framesRead() {
    return framesRead.sum();
  }

  /** Requests read from every stream so far. */
  public long requestsRead() {
    return requestsRead.sum();
  }

  /**
   * @param handler answers one request; it must not block
   * @param reserve the bytes serving a request may bring into memory before its reply is built,
   *     beyond the request itself (a read's answers from replicas); held until the reply is sent
   * @param sender where reply frames are assembled and sent (the network thread, so replies
   *     completed while it handles one batch of input leave together)
   * @param clockMs wall-clock time, to read request deadlines against
   */
  public StreamServer(String nodeId, Framing<Q, F, P, G> framing,
      Function<Q, CompletableFuture<P>> handler, ToLongFunction<Q> reserve, InFlightBudget budget,
      Executor sender, int maxFrameBytes, LongSupplier clockMs) {
    this.clockMs = clockMs;
    this.nodeId = nodeId;
    this.framing = framing;
    this.handler = handler;
    this.reserve = reserve;
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

  /**
   * Closes the streams other than {@code asking} that hold more than an equal part unread.
   *
   * @return whether it closed any
   */
  private boolean closeStalledStreams(Session asking) {
    long part = equalPart();
    boolean closed = false;
    for (Session session : sessions) {
      if (session != asking) {
        closed |= session.closeIfStalledOver(part);
      }
    }
    return closed;
  }

  /** An equal part of the budget among the open streams, and at most a quarter. */
  private long equalPart() {
    return budget.maxBytes() / Math.max(STREAM_SHARE, sessions.size());
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

  /** A reply waiting to be sent, and the bytes of the budget it holds until it is. */
  private record Outgoing<P>(P reply, long heldBytes) {}

  /**
   * One stream. Its input is read a frame at a time, and the next frame is asked for only while
   * the transport takes replies and the stream holds less than its share of the budget: a
   * caller that stops reading its replies stops being read, and what it costs stays bounded.
   */
  private final class Session implements StreamObserver<F> {
    private final ServerCallStreamObserver<G> out;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong heldBytes = new AtomicLong(); // this stream's part of the budget
    private final ConcurrentLinkedQueue<Outgoing<P>> outbound = new ConcurrentLinkedQueue<>();
    // Requests read but not yet served, in order; whoever holds `serving` serves them.
    private final ConcurrentLinkedQueue<Q> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final AtomicBoolean wantsInput = new AtomicBoolean(); // a frame is due when allowed
    private final AtomicBoolean serving = new AtomicBoolean(); // one thread serves at a time
    private volatile boolean callerDone;
    private volatile boolean cancelled;
    private final AtomicBoolean closeDue = new AtomicBoolean(); // closed for unread replies
    private volatile long lastTakenMs = clockMs.getAsLong(); // the transport last took a frame
    private boolean ended; // only touched by flush, which never runs twice at once

    Session(ServerCallStreamObserver<G> out) {
      this.out = out;
      out.disableAutoRequest();
      out.setOnCancelHandler(this::cancel);
      out.setOnReadyHandler(this::scheduleFlush);
      out.request(1);
    }

    @Override
    public void onNext(F frame) {
      List<Q> requests = framing.requests(frame);
      framesRead.increment();
      requestsRead.add(requests.size());
      waiting.addAll(requests);
      wantsInput.set(true);
      serveWaiting(); // at once, as the frame is read: no hand-off on the common path
      askForInputIfAllowed();
    }

    /** Serves waiting requests, in order, while the stream has room for the next. */
    private void serveWaiting() {
      while (!waiting.isEmpty() && serving.compareAndSet(false, true)) {
        try {
          while (!waiting.isEmpty() && hasRoom()) {
            serve(waiting.poll());
          }
        } finally {
          serving.set(false);
        }
        if (!hasRoom()) {
          return; // the next reply to free room serves the rest
        }
      }
    }

    /**
     * A quarter of the budget; for a stream whose replies the transport does not take (a caller
     * not reading them), only an equal part among all open streams, so that such callers
     * together never starve the ones that read.
     */
    private boolean hasRoom() {
      return heldBytes.get() < (out.isReady() ? budget.maxBytes() / STREAM_SHARE : equalPart());
    }

    /**
     * Asks for the next frame once this one is all being served, if the transport is ready for
     * replies and the stream has room.
     */
    private void askForInputIfAllowed() {
      if (!cancelled && waiting.isEmpty() && out.isReady() && hasRoom()
          && wantsInput.compareAndSet(true, false)) {
        out.request(1);
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
      long size = framing.requestSize(request) + BOOKKEEPING_BYTES + reserve.applyAsLong(request);
      if (!budget.tryAdmitBytes(size)
          && !(closeStalledStreams(this) && budget.tryAdmitBytes(size))) {
        reply(framing.error(request, budget.overBytes(nodeId)));
        return;
      }
      heldBytes.addAndGet(size);
      inFlight.incrementAndGet();
      CompletableFuture<P> answer;
      try {
        answer = handler.apply(request);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((reply, error) -> {
        P done = error == null ? reply : framing.error(request, Status.fromThrowable(error));
        // The reply is in memory now: it counts until the transport has it.
        long replySize = framing.replySize(done);
        budget.holdBytes(replySize);
        heldBytes.addAndGet(replySize);
        // Queued before the count drops, so the stream cannot end without this reply.
        outbound.add(new Outgoing<>(done, size + replySize));
        inFlight.decrementAndGet();
        scheduleFlush();
      });
    }

    private void reply(P reply) {
      outbound.add(new Outgoing<>(reply, 0));
      scheduleFlush();
    }

    void scheduleFlush() {
      if (flushQueued.compareAndSet(false, true)) {
        sender.execute(this::flush);
      }
    }

    private void flush() {
      do {
        if (closeDue.compareAndSet(true, false)) {
          out.onError(Status.RESOURCE_EXHAUSTED.withDescription(nodeId + " closed this stream: "
              + "its replies went unread while it held more than its part of the node's "
              + "in-flight budget, which others needed").asRuntimeException());
        }
        if (!cancelled) {
          serveWaiting();
        }
        FramePacker.drain(outbound, o -> framing.replySize(o.reply()), maxFrameBytes,
            this::send, () -> cancelled || ended || out.isReady());
        if (!ended && endDue() && outbound.isEmpty()) {
          ended = true;
          sessions.remove(this);
          if (!cancelled) {
            out.onCompleted();
          }
        }
        askForInputIfAllowed();
        flushQueued.set(false);
      } while (!ended && (!outbound.isEmpty() && (cancelled || out.isReady()) || endDue()
          || !cancelled && !waiting.isEmpty() && hasRoom())
          && flushQueued.compareAndSet(false, true));
    }

    private boolean endDue() {
      return (draining || callerDone) && inFlight.get() == 0 && (waiting.isEmpty() || cancelled);
    }

    private void send(List<Outgoing<P>> frame) {
      List<P> replies = new ArrayList<>(frame.size());
      long held = 0;
      for (Outgoing<P> o : frame) {
        replies.add(o.reply());
        held += o.heldBytes();
      }
      try {
        if (!cancelled && !ended) {
          out.onNext(framing.replyFrame(replies));
          lastTakenMs = clockMs.getAsLong();
        }
      } finally {
        release(held);
      }
    }

    /**
     * Closes this stream if its replies go unread (the transport has taken none for
     * {@link #UNREAD_AFTER_MS} and takes none now) while it holds more than {@code part} of the
     * budget, and gives back at once what its queued replies hold (replies still being made are
     * dropped as they come).
     *
     * @return whether it closed the stream
     */
    boolean closeIfStalledOver(long part) {
      if (cancelled || out.isReady() || heldBytes.get() <= part
          || clockMs.getAsLong() - lastTakenMs < UNREAD_AFTER_MS) {
        return false;
      }
      closeDue.set(true);
      cancel();
      long freed = 0;
      for (Outgoing<P> o; (o = outbound.poll()) != null; ) {
        freed += o.heldBytes();
      }
      release(freed);
      return true;
    }

    /** Gives back {@code bytes} this stream held of the budget. */
    private void release(long bytes) {
      budget.releaseBytes(bytes);
      heldBytes.addAndGet(-bytes);
    }

    @Override
    public void onError(Throwable error) {
      cancel();
    }

    private void cancel() {
      cancelled = true;
      waiting.clear();
      sessions.remove(this);
      scheduleFlush(); // gives back what the queued replies hold
    }

    @Override
    public void onCompleted() {
      callerDone = true;
      scheduleFlush();
    }
  }
}

package dev.ringkv.it;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Slow links for an in-JVM cluster. On a call over a slowed-down link (from a process, named by
 * its id, to an address), each message reaches the other end a random 0 to N ms late, both ways: requests reach the node late, and what it
 * sends back (headers, replies, the call's end) reaches the caller late. Within one call the
 * order stays (as TCP keeps it); across calls and nodes, requests are applied and answered in
 * any order. Answers are handed to the call's executor, or else to the caller's network thread.
 */
final class SlowLinks {

  /** Any process, in {@link #slowDown}. */
  static final String ANYONE = "*";

  private final Map<String, int[]> delaysMs = new ConcurrentHashMap<>(); // by "from>address"
  private final Random random;

  SlowLinks(long seed) {
    this.random = new Random(seed);
  }

  /**
   * From now on, messages between {@code from} ({@link #ANYONE} for every process) and the node
   * at {@code address} are {@code minMs} to {@code maxMs} late.
   */
  void slowDown(String from, String address, int minMs, int maxMs) {
    delaysMs.put(from + ">" + address, new int[] {minMs, maxMs});
  }

  /**
   * The calls process {@code from} makes to {@code target}, delayed on {@code timer}; answers
   * are delivered as described above.
   */
  ClientInterceptor from(String from, String target, ScheduledExecutorService timer) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        // A blocking stub waits on its call's own executor: deliver there when there is one.
        Executor deliver = options.getExecutor() != null ? options.getExecutor() : timer;
        Lane out = new Lane(from, target, timer, Runnable::run);
        Lane back = new Lane(from, target, timer, deliver);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new DelayedListener<>(listener, back), headers);
          }

          @Override
          public void sendMessage(Q message) {
            out.later(() -> super.sendMessage(message));
          }

          @Override
          public void halfClose() {
            out.later(super::halfClose);
          }
        };
      }
    };
  }

  private synchronized long delayNanos(String from, String target) {
    int[] range = delaysMs.getOrDefault(from + ">" + target,
        delaysMs.getOrDefault(ANYONE + ">" + target, new int[] {0, 0}));
    return TimeUnit.MILLISECONDS.toNanos(range[0] + random.nextInt(range[1] - range[0] + 1));
  }

  /**
   * One direction of one call: events are queued, each due no earlier than the one before; each
   * timer that fires hands on the oldest event queued, so the events keep their order however
   * the timers fire (the timer has one thread, and so does each executor events go to).
   */
  private final class Lane {
    private final String from;
    private final String target;
    private final ScheduledExecutorService timer;
    private final Executor deliver;
    private final Queue<Runnable> events = new ConcurrentLinkedQueue<>();
    private long lastDueNanos;

    Lane(String from, String target, ScheduledExecutorService timer, Executor deliver) {
      this.from = from;
      this.target = target;
      this.timer = timer;
      this.deliver = deliver;
    }

    synchronized void later(Runnable event) {
      long now = System.nanoTime();
      lastDueNanos = Math.max(lastDueNanos, now + delayNanos(from, target));
      events.add(event);
      timer.schedule(() -> deliver.execute(events.remove()), lastDueNanos - now,
          TimeUnit.NANOSECONDS);
    }
  }

  /** A call's listener whose events come through a lane. */
  private static final class DelayedListener<R>
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<R> {
    private final Lane lane;

    DelayedListener(ClientCall.Listener<R> listener, Lane lane) {
      super(listener);
      this.lane = lane;
    }

    @Override
    public void onHeaders(Metadata headers) {
      lane.later(() -> super.onHeaders(headers));
    }

    @Override
    public void onMessage(R message) {
      lane.later(() -> super.onMessage(message));
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      lane.later(() -> super.onClose(status, trailers));
    }
  }
}

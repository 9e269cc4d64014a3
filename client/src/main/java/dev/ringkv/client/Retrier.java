package dev.ringkv.client;

import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.proto.TableRef;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.SpeculativeDelay;
import dev.ringkv.wire.RequestStream;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one request reaches a node that serves it: the coordinator is the first node of the key's
 * preference list, healthy nodes before suspects; a coordinator slower than the hedge delay gets
 * company (the next candidate is sent the same request, and the first answer wins); a failure
 * that another node may not share is retried on the next candidate after a table refresh and a
 * growing backoff, until the request's deadline ({@link RetryPolicy} has the rules). Failures
 * are turned into {@link KvException}s here, in one place. One request's attempts, hedges and
 * failover share their state, which is why they are one class of over 300 lines.
 */
final class Retrier {

  private static final Logger log = LoggerFactory.getLogger(KvClient.class);

  /** A server's answer plus the newer table it may carry and the version it saw. */
  record Reply<R>(R value, RingTableProto newerTable, VersionProto version) {}

  /** One operation: how to ask for it with a given table, and what its answer means. */
  private record Request<R>(Function<TableRef, KvRequest.Builder> ask,
      Function<KvReply, Reply<R>> answer) {}

  private final TableRouter router;
  private final Function<String, RequestStream<KvRequest, KvRequestFrame, KvReply, KvReplyFrame>>
      streams;
  private final PeerHealth health;
  private final SpeculativeDelay hedgeDelay;
  private final Consumer<VersionProto> versionSeen;
  private final ScheduledExecutorService timer;
  private final RetryPolicy policy;
  private final LongSupplier clockMs;
  private final Set<CompletableFuture<?>> unfinished = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param streams the stream to the node at an address
   * @param versionSeen told of every version a reply carries (the client's clock follows them)
   * @param timer runs hedges and backoffs
   * @param clockMs wall-clock time, for the deadlines requests carry to nodes
   */
  Retrier(TableRouter router,
      Function<String, RequestStream<KvRequest, KvRequestFrame, KvReply, KvReplyFrame>> streams,
      PeerHealth health, SpeculativeDelay hedgeDelay, Consumer<VersionProto> versionSeen,
      ScheduledExecutorService timer, RetryPolicy policy, LongSupplier clockMs) {
    this.router = router;
    this.streams = streams;
    this.health = health;
    this.hedgeDelay = hedgeDelay;
    this.versionSeen = versionSeen;
    this.timer = timer;
    this.policy = policy;
    this.clockMs = clockMs;
  }

  /** Runs the request for the key at {@code keyToken}; fails with a {@link KvException}. */
  <R> CompletableFuture<R> call(long keyToken, Function<TableRef, KvRequest.Builder> ask,
      Function<KvReply, Reply<R>> answer) {
    CompletableFuture<R> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(closedError());
      return result;
    }
    unfinished.add(result);
    result.whenComplete((r, e) -> unfinished.remove(result));
    new Attempts<>(keyToken, new Request<>(ask, answer), result).next();
    return result;
  }

  /**
   * Fails every request not yet answered, and any later one: the client is closing, and a
   * request waiting for a retry or a reply would otherwise wait forever.
   */
  void close() {
    closed = true;
    for (CompletableFuture<?> request : unfinished) {
      request.completeExceptionally(closedError());
    }
  }

  private static KvException closedError() {
    return new KvException(KvException.Reason.UNAVAILABLE, "the client is closed");
  }

  /** The attempts of one request: one coordinator after another until success or deadline. */
  private final class Attempts<R> {
    private final long keyToken;
    private final Request<R> request;
    private final CompletableFuture<R> result;
    private final long deadlineNanos =
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(policy.deadlineMs());
    private final Set<String> failedNodes = new HashSet<>();
    private int attempt;

    Attempts(long keyToken, Request<R> request, CompletableFuture<R> result) {
      this.keyToken = keyToken;
      this.request = request;
      this.result = result;
    }

    void next() {
      router.ensure().thenCompose(this::sendToCoordinator).whenComplete((reply, error) -> {
        if (error == null) {
          if (reply.newerTable() != null) {
            router.offer(reply.newerTable());
          }
          if (reply.version().getPhysicalMs() > 0) {
            versionSeen.accept(reply.version());
          }
          result.complete(reply.value());
        } else {
          onFailure(unwrap(error));
        }
      });
    }

    /**
     * Sends the request to the coordinator and, if it has not answered within the hedge delay,
     * to the next candidate too. Safe for writes as well: both carry the same version.
     */
    private CompletableFuture<Reply<R>> sendToCoordinator(RingTable table) {
      Node target = pickCoordinator(table, null);
      if (target == null) {
        return CompletableFuture.failedFuture(Status.UNAVAILABLE
            .withDescription("no node of the key's preference list is up (table epoch "
                + table.epoch() + ")").asRuntimeException());
      }
      attempt++;
      long timeoutMs = Math.max(1, Math.min(policy.attemptTimeoutMs(), remainingMs()));
      KvRequest.Builder ask = request.ask().apply(router.ref());
      FirstSuccess<Reply<R>> race = new FirstSuccess<>();
      CompletableFuture<Reply<R>> first = sendTo(target, ask, timeoutMs);
      race.add(() -> first);
      long delayMs = hedgeDelay.delayMs();
      if (delayMs < timeoutMs) {
        ScheduledFuture<?> hedge = timer.schedule(() -> {
          Node next = race.isDone() ? null : pickCoordinator(table, target.id());
          if (next != null) {
            log.debug("{} is slow; sending the request to {} as well", target.id(), next.id());
            race.add(() -> sendTo(next, ask.clone(), timeoutMs - delayMs).thenApply(reply -> {
              if (!first.isDone()) {
                health.failed(target.id()); // another node answered first: avoid this one
              }
              return reply;
            }));
          }
        }, delayMs, TimeUnit.MILLISECONDS);
        first.whenComplete((r, e) -> hedge.cancel(false)); // no timer left behind per request
      }
      return race.result();
    }

    private CompletableFuture<Reply<R>> sendTo(Node target, KvRequest.Builder ask,
        long timeoutMs) {
      // Past this the node drops the request: the client will have given up on this attempt.
      long deadlineMs = clockMs.getAsLong() + timeoutMs;
      long start = System.nanoTime();
      return streams.apply(target.address())
          .submit(id -> ask.setId(id).setDeadlineMs(deadlineMs).build(), timeoutMs)
          .thenApply(reply -> {
            health.succeeded(target.id());
            hedgeDelay.answeredAfter(System.nanoTime() - start);
            return request.answer().apply(reply);
          })
          .exceptionally(e -> {
            Throwable cause = unwrap(e);
            if (RetryPolicy.isNodeTrouble(Status.fromThrowable(cause))) {
              health.failed(target.id());
            }
            throw new CompletionException(new NodeFailure(target.id(), cause));
          });
    }

    /**
     * The first live node of the preference list this request has not yet seen fail, healthy
     * nodes before suspects, other than {@code besides} (null: any). Null if there is no other
     * node for a hedge; for a first attempt, starts over once every candidate failed.
     */
    private synchronized Node pickCoordinator(RingTable table, String besides) {
      List<Node> candidates = new ArrayList<>();
      for (Placement p : table.preferenceList(keyToken)) {
        candidates.add(p.node());
      }
      for (Node n : table.homeReplicas(keyToken)) {
        if (!candidates.contains(n)) {
          candidates.add(n); // a node marked DOWN may be back before the table says so
        }
      }
      candidates = health.healthyFirst(candidates, Node::id);
      for (Node n : candidates) {
        if (!failedNodes.contains(n.id()) && !n.id().equals(besides)) {
          return n;
        }
      }
      if (besides != null) {
        return null;
      }
      failedNodes.clear(); // every candidate failed once: start over with the refreshed table
      return candidates.isEmpty() ? null : candidates.get(0);
    }

    private synchronized void onFailure(Throwable error) {
      String nodeId = null;
      if (error instanceof NodeFailure f) {
        nodeId = f.nodeId;
        error = f.getCause();
      }
      if (error instanceof KvException kv) {
        result.completeExceptionally(kv);
        return;
      }
      Status status = Status.fromThrowable(error);
      if (!RetryPolicy.isRetryable(status)) {
        result.completeExceptionally(toKvException(status));
        return;
      }
      if (nodeId != null) {
        failedNodes.add(nodeId);
      }
      long backoffMs = policy.backoffMs(attempt);
      if (remainingMs() <= backoffMs) {
        result.completeExceptionally(giveUp(status));
        return;
      }
      log.debug("{} did not serve the request ({}: {}); retrying in {} ms",
          nodeId == null ? "the cluster" : nodeId, status.getCode(), status.getDescription(),
          backoffMs);
      if (RetryPolicy.mayNeedNewTable(status)) {
        router.refresh().whenComplete((t, refreshError) -> retryAfter(backoffMs));
      } else {
        retryAfter(backoffMs);
      }
    }

    private void retryAfter(long backoffMs) {
      try {
        timer.schedule(this::next, backoffMs, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopped) {
        result.completeExceptionally(closedError());
      }
    }

    private KvException giveUp(Status last) {
      KvException.Reason reason = last.getCode() == Status.Code.DEADLINE_EXCEEDED
          ? KvException.Reason.DEADLINE_EXCEEDED : KvException.Reason.UNAVAILABLE;
      return new KvException(reason, "no replica could serve the request within "
          + policy.deadlineMs() + " ms after " + attempt + " attempts; last error: "
          + describe(last));
    }

    private long remainingMs() {
      return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }
  }

  /** Tags a failure with the node that produced it. */
  private static final class NodeFailure extends RuntimeException {
    private final String nodeId;

    NodeFailure(String nodeId, Throwable cause) {
      super(cause.getMessage(), cause, false, false);
      this.nodeId = nodeId;
    }
  }

  private static KvException toKvException(Status status) {
    KvException.Reason reason = switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> KvException.Reason.INVALID_ARGUMENT;
      case UNAUTHENTICATED, PERMISSION_DENIED -> KvException.Reason.UNAUTHENTICATED;
      default -> KvException.Reason.INTERNAL;
    };
    return new KvException(reason, describe(status));
  }

  private static String describe(Status status) {
    return status.getDescription() != null ? status.getDescription() : status.getCode().toString();
  }

  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

}

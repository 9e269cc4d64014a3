package dev.ringkv.client;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.ConsistencyProto;
import dev.ringkv.proto.DeleteRequest;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.proto.TableRef;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.SpeculativeDelay;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.Credentials;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.Framing;
import dev.ringkv.wire.RequestStream;
import io.grpc.CallCredentials;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of a ringkv cluster. Thread-safe; create one and share it.
 *
 * <p>Each request goes to the first live node of its key's preference list (the coordinator),
 * computed from a cached ring table. When that node does not answer within the attempt timeout,
 * or answers that it cannot reach enough replicas, the client refreshes its table (manager first,
 * any known storage node if the manager is down), waits a short, growing backoff, and retries on
 * the next node, until the overall deadline. Servers holding a newer table send it along with
 * their reply, so the client follows membership changes without waiting for a failure. A node
 * that timed out or failed is suspect for a while and is tried last, and a node slower than
 * usual (twice the recent p99) gets company: the request goes to the next node as well, and the
 * first answer wins, so a node that is alive but unreachable costs little even before it is
 * suspected.
 *
 * <p>Every write gets its version here, from a hybrid logical clock, once, before its first
 * attempt; every retry carries the same version, and so does any late copy of the request a
 * node may still serve after the client gave up on it. Such a copy can only rewrite its own old
 * version, never overwrite a newer write. The clock follows the wall clock and moves past every
 * version the client sees in replies, so one client's writes to a key are always ordered; writes
 * of different clients to one key are ordered by their clocks (last write wins).
 *
 * <pre>{@code
 * try (KvClient kv = KvClient.builder().manager("127.0.0.1:7051").build()) {
 *   kv.put("key1", "value1");
 *   kv.get("key1").value();   // Optional[value1]
 * }
 * }</pre>
 */
public final class KvClient implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KvClient.class);
  private static final long MAX_BACKOFF_MS = 500;
  private static final int MAX_FRAME_BYTES = 256 * 1024;
  // A node that timed out is tried last for this long, doubling while it keeps failing; then it
  // gets a request in its turn again.
  private static final long FIRST_SUSPICION_MS = 1_000;
  private static final long MAX_SUSPICION_MS = 8_000;
  // The shortest wait before a slow request is sent to the next node as well.
  private static final long MIN_HEDGE_MS = 50;

  private final Consistency consistency;
  private final long attemptTimeoutMs;
  private final long deadlineMs;
  private final KeyHasher hasher;
  private final ChannelPool channels;
  private final TableRouter router;
  private final ScheduledExecutorService timer;
  private final CallCredentials callCredentials;
  private final HybridClock clock;
  private final PeerHealth health;
  private final SpeculativeDelay hedgeDelay;
  // Requests queued while the sender is busy leave together in one frame.
  private final ExecutorService sender;
  private final ConcurrentMap<String, RequestStream<KvRequest, KvRequestFrame, KvReply,
      KvReplyFrame>> streams = new ConcurrentHashMap<>();

  private KvClient(Builder b) {
    this.consistency = b.consistency;
    this.attemptTimeoutMs = b.attemptTimeout.toMillis();
    this.deadlineMs = b.deadline.toMillis();
    this.hasher = b.hasher;
    this.channels = new ChannelPool(b.maxMessageBytes, Credentials.channel(b.tls),
        b.callbacksOnNetworkThreads);
    this.callCredentials = b.token == null ? null : new BearerToken(b.token);
    this.router = new TableRouter(b.managerAddress, channels, b.tableCache, attemptTimeoutMs,
        callCredentials);
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("ringkv-client-timer"));
    this.clock = new HybridClock(b.writerId, System::currentTimeMillis);
    this.health = new PeerHealth(System::currentTimeMillis, FIRST_SUSPICION_MS,
        MAX_SUSPICION_MS, attemptTimeoutMs);
    this.hedgeDelay = new SpeculativeDelay(MIN_HEDGE_MS,
        Math.max(MIN_HEDGE_MS, attemptTimeoutMs / 2));
    this.sender = Executors.newSingleThreadExecutor(daemon("ringkv-client-sender"));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Stores {@code value} under {@code key} at the client's default consistency.
   *
   * @throws IllegalArgumentException at once if the key is empty or either string is not valid
   *     Unicode (an unpaired surrogate cannot be encoded as UTF-8)
   * @throws KvException if the cluster rejected or could not serve the request
   */
  public PutResult put(String key, String value) {
    checkUnicode(value, "value");
    return await(putAsync(key, value.getBytes(StandardCharsets.UTF_8), consistency));
  }

  /** Stores the bytes {@code value} under {@code key} at the client's default consistency. */
  public PutResult put(String key, byte[] value) {
    return await(putAsync(key, value, consistency));
  }

  /** Reads {@code key} at the client's default consistency. */
  public GetResult get(String key) {
    return await(getAsync(key, consistency));
  }

  /** Deletes {@code key} (writes a tombstone) at the client's default consistency. */
  public PutResult delete(String key) {
    return await(deleteAsync(key, consistency));
  }

  /**
   * Stores {@code value} under {@code key}.
   *
   * @throws IllegalArgumentException at once if the key is empty
   * @return completes when enough replicas acknowledged, or fails with {@link KvException}
   */
  public CompletableFuture<PutResult> putAsync(String key, byte[] value, Consistency level) {
    checkKey(key);
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(value, "value");
    ByteString bytes = ByteString.copyFrom(value);
    VersionProto version = toProto(clock.next());
    return call(key, table -> KvRequest.newBuilder().setPut(PutRequest.newBuilder()
            .setKey(key).setValue(bytes).setConsistency(toProto(level)).setTable(table)
            .setVersion(version)),
        r -> new Reply<>(new PutResult(key, r.getWrite().getCoordinator()),
            r.getWrite().hasNewerTable() ? r.getWrite().getNewerTable() : null,
            r.getWrite().getVersion()));
  }

  /** Reads {@code key}; the result says whether it exists. */
  public CompletableFuture<GetResult> getAsync(String key, Consistency level) {
    checkKey(key);
    return call(key, table -> KvRequest.newBuilder().setGet(GetRequest.newBuilder()
            .setKey(key).setConsistency(toProto(level)).setTable(table)),
        r -> new Reply<>(new GetResult(key,
            r.getGet().getFound() ? r.getGet().getValue().toByteArray() : null,
            r.getGet().getCoordinator()),
            r.getGet().hasNewerTable() ? r.getGet().getNewerTable() : null,
            r.getGet().getVersion()));
  }

  /** Deletes {@code key}. Deleting a key that does not exist succeeds. */
  public CompletableFuture<PutResult> deleteAsync(String key, Consistency level) {
    checkKey(key);
    VersionProto version = toProto(clock.next());
    return call(key, table -> KvRequest.newBuilder().setDelete(DeleteRequest.newBuilder()
            .setKey(key).setConsistency(toProto(level)).setTable(table).setVersion(version)),
        r -> new Reply<>(new PutResult(key, r.getWrite().getCoordinator()),
            r.getWrite().hasNewerTable() ? r.getWrite().getNewerTable() : null,
            r.getWrite().getVersion()));
  }

  /** The ring table the client routes with, fetching it if there is none yet. */
  public RingTable table() {
    return await(router.ensure());
  }

  /** Fetches the newest table from the manager (or a storage node) and returns it. */
  public RingTable refreshTable() {
    return await(router.refresh());
  }

  @Override
  public void close() {
    streams.values().forEach(RequestStream::close);
    timer.shutdownNow();
    sender.shutdownNow();
    channels.close();
  }

  // ------------------------------------------------------------------------------------------

  /** A server's answer plus the newer table it may carry and the version it saw. */
  private record Reply<R>(R value, RingTableProto newerTable, VersionProto version) {}

  /** One operation: how to ask for it with a given table, and what its answer means. */
  private record Request<R>(Function<TableRef, KvRequest.Builder> ask,
      Function<KvReply, Reply<R>> answer) {}

  private <R> CompletableFuture<R> call(String key, Function<TableRef, KvRequest.Builder> ask,
      Function<KvReply, Reply<R>> answer) {
    CompletableFuture<R> result = new CompletableFuture<>();
    new Attempts<>(hasher.hash(key), new Request<>(ask, answer), result).next();
    return result;
  }

  /** The stream to the node at {@code address}, shared by every request it coordinates. */
  private RequestStream<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> stream(
      String address) {
    return streams.computeIfAbsent(address, a -> new RequestStream<>(Framing.KV,
        replies -> {
          KvGrpc.KvStub stub = KvGrpc.newStub(channels.channel(a));
          return (callCredentials == null ? stub : stub.withCallCredentials(callCredentials))
              .stream(replies);
        }, sender, timer, MAX_FRAME_BYTES));
  }

  /** The attempts of one request: one coordinator after another until success or deadline. */
  private final class Attempts<R> {
    private final long keyToken;
    private final Request<R> request;
    private final CompletableFuture<R> result;
    private final long deadlineNanos =
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
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
            clock.observe(fromProto(reply.version()));
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
      long timeoutMs = Math.max(1, Math.min(attemptTimeoutMs, remainingMs()));
      KvRequest.Builder ask = request.ask().apply(router.ref());
      FirstSuccess<Reply<R>> race = new FirstSuccess<>();
      CompletableFuture<Reply<R>> first = sendTo(target, ask, timeoutMs);
      race.add(() -> first);
      long delayMs = hedgeDelay.delayMs();
      if (delayMs < timeoutMs) {
        timer.schedule(() -> {
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
      }
      return race.result();
    }

    private CompletableFuture<Reply<R>> sendTo(Node target, KvRequest.Builder ask,
        long timeoutMs) {
      // Past this the node drops the request: the client will have given up on this attempt.
      long deadlineMs = System.currentTimeMillis() + timeoutMs;
      long start = System.nanoTime();
      return stream(target.address())
          .submit(id -> ask.setId(id).setDeadlineMs(deadlineMs).build(), timeoutMs)
          .thenApply(reply -> {
            health.succeeded(target.id());
            hedgeDelay.answeredAfter(System.nanoTime() - start);
            return request.answer().apply(reply);
          })
          .exceptionally(e -> {
            Throwable cause = unwrap(e);
            if (isNodeTrouble(Status.fromThrowable(cause))) {
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
      if (!isRetryable(status)) {
        result.completeExceptionally(toKvException(status));
        return;
      }
      if (nodeId != null) {
        failedNodes.add(nodeId);
      }
      long backoffMs = Math.min(MAX_BACKOFF_MS, 25L << Math.min(attempt, 5))
          + ThreadLocalRandom.current().nextLong(10);
      if (remainingMs() <= backoffMs) {
        result.completeExceptionally(giveUp(status));
        return;
      }
      log.debug("{} did not serve the request ({}: {}); refreshing the table and retrying in "
          + "{} ms", nodeId == null ? "the cluster" : nodeId, status.getCode(),
          status.getDescription(), backoffMs);
      router.refresh().whenComplete((t, refreshError) ->
          timer.schedule(this::next, backoffMs, TimeUnit.MILLISECONDS));
    }

    private KvException giveUp(Status last) {
      KvException.Reason reason = last.getCode() == Status.Code.DEADLINE_EXCEEDED
          ? KvException.Reason.DEADLINE_EXCEEDED : KvException.Reason.UNAVAILABLE;
      return new KvException(reason, "no replica could serve the request within " + deadlineMs
          + " ms after " + attempt + " attempts; last error: " + describe(last));
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

  /** A failure that says the node is dead, hung or unreachable, rather than the request bad. */
  private static boolean isNodeTrouble(Status status) {
    return status.getCode() == Status.Code.UNAVAILABLE
        || status.getCode() == Status.Code.DEADLINE_EXCEEDED;
  }

  static boolean isRetryable(Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, FAILED_PRECONDITION -> true;
      default -> false;
    };
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

  private static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new KvException(KvException.Reason.INTERNAL, String.valueOf(cause));
    }
  }

  private static void checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    checkUnicode(key, "key");
  }

  /** UTF-8 cannot carry a lone surrogate; Java would silently send '?' in its place. */
  private static void checkUnicode(String text, String what) {
    Objects.requireNonNull(text, what);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            what + " is not valid Unicode: unpaired surrogate at index " + i);
      }
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static VersionProto toProto(Version v) {
    return VersionProto.newBuilder()
        .setPhysicalMs(v.physicalMs()).setLogical(v.logical()).setNodeId(v.nodeId()).build();
  }

  private static Version fromProto(VersionProto v) {
    return new Version(v.getPhysicalMs(), v.getLogical(), v.getNodeId());
  }

  private static ConsistencyProto toProto(Consistency level) {
    return switch (level) {
      case ONE -> ConsistencyProto.ONE;
      case QUORUM -> ConsistencyProto.QUORUM;
      case ALL -> ConsistencyProto.ALL;
    };
  }

  /** Settings of a {@link KvClient}; every one has a default. */
  public static final class Builder {
    private String managerAddress = "127.0.0.1:7051";
    private Consistency consistency = Consistency.QUORUM;
    private Duration attemptTimeout = Duration.ofSeconds(1);
    private Duration deadline = Duration.ofSeconds(10);
    private TableCache tableCache = TableCache.none();
    private TlsFiles tls;
    private String token;
    private boolean callbacksOnNetworkThreads;
    private KeyHasher hasher = KeyHasher.murmur3();
    private int maxMessageBytes = 8 * 1024 * 1024;
    private String writerId = "client-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

    private Builder() {}

    /**
     * The name this client's writes carry in their versions, to order two writes stamped at the
     * same instant (default: random per client). 1-64 letters, digits, '.', '_' or '-'.
     */
    public Builder writerId(String id) {
      if (id == null || !id.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("writer id '" + id
            + "' must be 1-64 letters, digits, '.', '_' or '-'");
      }
      this.writerId = id;
      return this;
    }

    /** The manager's {@code host:port} (default {@code 127.0.0.1:7051}). */
    public Builder manager(String address) {
      if (address == null || !address.matches("[^\\s:]+:\\d{1,5}")) {
        throw new IllegalArgumentException("manager address '" + address + "' is not host:port");
      }
      this.managerAddress = address;
      return this;
    }

    /** The consistency level of the synchronous methods (default QUORUM). */
    public Builder consistency(Consistency level) {
      this.consistency = Objects.requireNonNull(level, "level");
      return this;
    }

    /** How long one node may take to answer before the next is tried (default 1 s). */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = positive(timeout, "attempt timeout");
      return this;
    }

    /** How long a request may take in all, retries included (default 10 s). */
    public Builder deadline(Duration timeout) {
      this.deadline = positive(timeout, "deadline");
      return this;
    }

    /** Where the table is kept between client runs (default: nowhere). */
    public Builder tableCache(TableCache cache) {
      this.tableCache = Objects.requireNonNull(cache, "cache");
      return this;
    }

    /** Talk TLS, trusting the cluster CA in {@code tls} (default: plaintext). */
    public Builder tls(TlsFiles tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** The bearer token of a cluster that requires one (default: none). */
    public Builder token(String token) {
      new BearerToken(token); // validates
      this.token = token;
      return this;
    }

    /**
     * Complete the async methods' futures on the network threads (default: on a gRPC executor).
     * Faster under load, but then nothing chained on those futures may block.
     */
    public Builder callbacksOnNetworkThreads(boolean enabled) {
      this.callbacksOnNetworkThreads = enabled;
      return this;
    }

    /** The key hash; must match the cluster's (default Murmur3). */
    public Builder hasher(KeyHasher hasher) {
      this.hasher = Objects.requireNonNull(hasher, "hasher");
      return this;
    }

    public KvClient build() {
      return new KvClient(this);
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}

package dev.ringkv.client;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.DeleteRequest;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.proto.TableRef;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.SpeculativeDelay;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.Credentials;
import dev.ringkv.version.HybridClock;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.NettyNetwork;
import dev.ringkv.wire.Network;
import dev.ringkv.wire.ValueCodec;
import io.grpc.CallCredentials;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * A client of a ringkv cluster. Thread-safe; create one and share it.
 *
 * <p>Each request goes to the first live node of its key's preference list (the coordinator),
 * computed from a cached ring table. When that node does not answer within the attempt timeout,
 * or answers that it cannot reach enough replicas, the client refreshes its table (manager first,
 * any known storage node if the manager is down), waits a short, growing backoff, and retries on
 * the next node, until the overall deadline ({@link RetryPolicy}; an overloaded node's refusal
 * is retried without a refresh). Servers holding a newer table send it along with
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

  // A node that timed out is tried last for this long, doubling while it keeps failing; then it
  // gets a request in its turn again.
  private static final long FIRST_SUSPICION_MS = 1_000;
  private static final long MAX_SUSPICION_MS = 8_000;
  // The shortest wait before a slow request is sent to the next node as well.
  private static final long MIN_HEDGE_MS = 50;

  /** The nodes' default largest value ({@code --max-value-bytes}). */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

  private final Consistency consistency;
  private final int maxValueBytes;
  private final KeyHasher hasher;
  private final Network network;
  private final boolean ownsNetwork;
  private final ChannelPool channels;
  private final TableRouter router;
  private final CallCredentials callCredentials;
  private final HybridClock clock;
  private final Retrier retrier;
  private final NodeStreams streams;

  KvClient(KvClientBuilder b) {
    this.consistency = b.consistency;
    long attemptTimeoutMs = b.attemptTimeout.toMillis();
    this.hasher = b.hasher;
    this.maxValueBytes = b.maxValueBytes;
    this.ownsNetwork = b.network == null;
    this.network = ownsNetwork ? NettyNetwork.create("ringkv-client") : b.network;
    this.channels = new ChannelPool(b.maxMessageBytes, Credentials.channel(b.tls),
        b.callbacksOnNetworkThreads, network::channelBuilder);
    this.callCredentials = b.token == null ? null : new BearerToken(b.token);
    this.router = new TableRouter(b.managerAddresses, channels, b.tableCache, attemptTimeoutMs,
        callCredentials);
    ScheduledExecutorService timer = b.timer != null ? b.timer : network.executor();
    String writerId = b.writerId != null ? b.writerId
        : "client-" + Long.toHexString(b.random.nextLong());
    this.clock = new HybridClock(writerId, b.wallClockMs);
    this.streams = new NodeStreams(channels, callCredentials, network.executor(), timer);
    this.retrier = new Retrier(router, streams::to,
        new PeerHealth(b.wallClockMs, FIRST_SUSPICION_MS, MAX_SUSPICION_MS,
            attemptTimeoutMs),
        new SpeculativeDelay(MIN_HEDGE_MS, Math.max(MIN_HEDGE_MS, attemptTimeoutMs / 2)),
        version -> clock.observe(ValueCodec.fromProto(version)), timer,
        new RetryPolicy(attemptTimeoutMs, b.deadline.toMillis(), b.random), b.wallClockMs);
  }

  public static KvClientBuilder builder() {
    return new KvClientBuilder();
  }

  /**
   * Stores {@code value} under {@code key} at the client's default consistency.
   *
   * @throws IllegalArgumentException at once if the key is empty or either string is not valid
   *     Unicode (an unpaired surrogate cannot be encoded as UTF-8)
   * @throws KvException if the cluster rejected or could not serve the request
   */
  public PutResult put(String key, String value) {
    ClientInput.checkUnicode(value, "value");
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
    ClientInput.checkKey(key);
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(value, "value");
    if (value.length > maxValueBytes) {
      return CompletableFuture.failedFuture(
          ClientInput.valueTooLarge(value.length, maxValueBytes));
    }
    ByteString bytes = ByteString.copyFrom(value);
    VersionProto version = ValueCodec.toProto(clock.next());
    return call(key, table -> KvRequest.newBuilder().setPut(PutRequest.newBuilder()
            .setKey(key).setValue(bytes).setConsistency(ValueCodec.toProto(level)).setTable(table)
            .setVersion(version)),
        r -> new Retrier.Reply<>(new PutResult(key, r.getWrite().getCoordinator()),
            r.getWrite().hasNewerTable() ? r.getWrite().getNewerTable() : null,
            r.getWrite().getVersion()));
  }

  /** Reads {@code key}; the result says whether it exists. */
  public CompletableFuture<GetResult> getAsync(String key, Consistency level) {
    ClientInput.checkKey(key);
    return call(key, table -> KvRequest.newBuilder().setGet(GetRequest.newBuilder()
            .setKey(key).setConsistency(ValueCodec.toProto(level)).setTable(table)),
        r -> new Retrier.Reply<>(new GetResult(key,
            r.getGet().getFound() ? r.getGet().getValue().toByteArray() : null,
            r.getGet().getCoordinator()),
            r.getGet().hasNewerTable() ? r.getGet().getNewerTable() : null,
            r.getGet().getVersion()));
  }

  /** Deletes {@code key}. Deleting a key that does not exist succeeds. */
  public CompletableFuture<PutResult> deleteAsync(String key, Consistency level) {
    ClientInput.checkKey(key);
    VersionProto version = ValueCodec.toProto(clock.next());
    return call(key, table -> KvRequest.newBuilder().setDelete(DeleteRequest.newBuilder()
            .setKey(key).setConsistency(ValueCodec.toProto(level)).setTable(table)
            .setVersion(version)),
        r -> new Retrier.Reply<>(new PutResult(key, r.getWrite().getCoordinator()),
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
    retrier.close();
    streams.close();
    channels.close();
    if (ownsNetwork) {
      network.close();
    }
  }

  // ------------------------------------------------------------------------------------------

  private <R> CompletableFuture<R> call(String key, Function<TableRef, KvRequest.Builder> ask,
      Function<KvReply, Retrier.Reply<R>> answer) {
    return retrier.call(hasher.hash(key), ask, answer);
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = Retrier.unwrap(e);
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new KvException(KvException.Reason.INTERNAL, String.valueOf(cause));
    }
  }
}

package dev.ringkv.client;

import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Names;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.wire.Network;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/** Settings of a {@link KvClient}; every one has a default. */
public final class KvClientBuilder {
  List<String> managerAddresses = List.of("127.0.0.1:7051");
  Consistency consistency = Consistency.QUORUM;
  Duration attemptTimeout = Duration.ofSeconds(1);
  Duration deadline = Duration.ofSeconds(10);
  TableCache tableCache = TableCache.none();
  TlsFiles tls;
  String token;
  boolean callbacksOnNetworkThreads;
  KeyHasher hasher = KeyHasher.murmur3();
  int maxMessageBytes = 8 * 1024 * 1024;
  int maxValueBytes = KvClient.DEFAULT_MAX_VALUE_BYTES;
  Network network; // null: a network thread of the client's own, over sockets
  String writerId; // null: a random one
  LongSupplier wallClockMs = System::currentTimeMillis;
  Random random = new Random();
  ScheduledExecutorService timer; // null: the network thread

  KvClientBuilder() {}

  /**
   * The name this client's writes carry in their versions, to order two writes stamped at the
   * same instant (default: random per client). 1-64 letters, digits, '.', '_' or '-'.
   */
  public KvClientBuilder writerId(String id) {
    this.writerId = Names.checkId("writer id", id);
    return this;
  }

  /**
   * The wall clock the client's versions are stamped from (default: the system's). Tests give
   * clients skewed clocks here.
   */
  public KvClientBuilder wallClock(LongSupplier clockMs) {
    this.wallClockMs = Objects.requireNonNull(clockMs, "clockMs");
    return this;
  }

  /**
   * The source of the client's random choices: its default writer id and the jitter of its
   * retries (default: a fresh {@link Random}). Tests pass a seeded one.
   */
  public KvClientBuilder random(Random random) {
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /**
   * Where the client's timeouts, hedges and backoffs run (default: its network thread, see
   * {@link #network}). A scheduler passed here is the caller's to stop; tests share one between
   * clients, or drive one by hand.
   */
  public KvClientBuilder scheduler(ScheduledExecutorService timer) {
    this.timer = Objects.requireNonNull(timer, "timer");
    return this;
  }

  /**
   * The manager's {@code host:port}, or every manager's, comma-separated: any of them serves the
   * table (default {@code 127.0.0.1:7051}).
   */
  public KvClientBuilder manager(String addresses) {
    List<String> list = Arrays.stream(addresses.split(",", -1)).map(String::trim).toList();
    list.forEach(a -> Names.checkAddress("manager address", a));
    this.managerAddresses = list;
    return this;
  }

  /**
   * The largest value this client sends (default 1 MiB, the nodes' default): a larger one is
   * refused with {@link KvException.Reason#INVALID_ARGUMENT} before it is sent. Set it to the
   * nodes' {@code --max-value-bytes}.
   */
  public KvClientBuilder maxValueBytes(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("max value bytes must not be negative, got " + bytes);
    }
    this.maxValueBytes = bytes;
    this.maxMessageBytes = Math.max(maxMessageBytes, bytes + 128 * 1024);
    return this;
  }

  /**
   * How the client reaches the cluster: its channels, and the thread its requests are framed and
   * sent on (default: one network thread of its own, over sockets, stopped by
   * {@link KvClient#close()}; a request made on that thread, say in a callback, is framed and
   * sent there without waking another). A network passed here is the caller's to close; tests
   * that run a cluster in one JVM pass an in-process one.
   */
  public KvClientBuilder network(Network network) {
    this.network = Objects.requireNonNull(network, "network");
    return this;
  }

  /** The consistency level of the synchronous methods (default QUORUM). */
  public KvClientBuilder consistency(Consistency level) {
    this.consistency = Objects.requireNonNull(level, "level");
    return this;
  }

  /** How long one node may take to answer before the next is tried (default 1 s). */
  public KvClientBuilder attemptTimeout(Duration timeout) {
    this.attemptTimeout = positive(timeout, "attempt timeout");
    return this;
  }

  /** How long a request may take in all, retries included (default 10 s). */
  public KvClientBuilder deadline(Duration timeout) {
    this.deadline = positive(timeout, "deadline");
    return this;
  }

  /** Where the table is kept between client runs (default: nowhere). */
  public KvClientBuilder tableCache(TableCache cache) {
    this.tableCache = Objects.requireNonNull(cache, "cache");
    return this;
  }

  /** Talk TLS, trusting the cluster CA in {@code tls} (default: plaintext). */
  public KvClientBuilder tls(TlsFiles tls) {
    this.tls = Objects.requireNonNull(tls, "tls");
    return this;
  }

  /** The bearer token of a cluster that requires one (default: none). */
  public KvClientBuilder token(String token) {
    new BearerToken(token); // validates
    this.token = token;
    return this;
  }

  /**
   * Complete the async methods' futures on the network threads (default: on a gRPC executor).
   * Faster under load, but then nothing chained on those futures may block.
   */
  public KvClientBuilder callbacksOnNetworkThreads(boolean enabled) {
    this.callbacksOnNetworkThreads = enabled;
    return this;
  }

  /** The key hash; must match the cluster's (default Murmur3). */
  public KvClientBuilder hasher(KeyHasher hasher) {
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

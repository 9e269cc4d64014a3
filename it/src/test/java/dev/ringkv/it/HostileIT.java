package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.cli.FileTableCache;
import dev.ringkv.manager.replication.GroupMember;
import dev.ringkv.proto.ClusterAdminGrpc;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.HeartbeatRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.RangeDigestProto;
import dev.ringkv.proto.RangeDigestsRequest;
import dev.ringkv.proto.ReadManyReply;
import dev.ringkv.proto.ReadManyRequest;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.RemoveNodeRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.ClusterSecret;
import dev.ringkv.security.Credentials;
import dev.ringkv.security.PemKeys;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.wire.StreamErrors;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members and clients that lie, written with the generated stubs against real processes: each
 * is refused with a status and a sentence, the table and the data stay as they were, and every
 * node stays up and serving.
 */
@Timeout(240)
class HostileIT {

  @TempDir Path tmp;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  void withATokenButNoTlsNobodyWithoutTheClusterSecretActsAsANode() {
    Path token = LocalCluster.privateFile(tmp.resolve("token"), "client-token-0123456789");
    Path secret = LocalCluster.privateFile(tmp.resolve("secret"), "cluster-secret-0123456789");
    LocalCluster.Options options =
        LocalCluster.Options.defaults().tokenAndClusterSecret(token, secret);
    try (LocalCluster cluster = LocalCluster.start(3, 2, options); KvClient kv = cluster.client()) {
      kv.put("k", "v");
      RingTable before = cluster.table();
      CallCredentials clientToken = new BearerToken("client-token-0123456789");

      // A fake node with only what every client has: the token.
      assertRefused(Status.Code.UNAUTHENTICATED, "needs the cluster secret",
          () -> ManagerGrpc.newBlockingStub(plaintext(cluster.managerAddress()))
              .withCallCredentials(clientToken).withDeadlineAfter(5, TimeUnit.SECONDS)
              .register(register("server9", "127.0.0.1:9")));
      assertRefused(Status.Code.UNAUTHENTICATED, "needs the cluster secret",
          () -> PeerRequests.write(plaintext(cluster.address("server1")), clientToken,
              write("k", "forged", now(), "x")));
      // The secret, but the name of no member: still not a peer.
      assertRefused(Status.Code.PERMISSION_DENIED, "intruder is not a member of the cluster",
          () -> PeerRequests.write(plaintext(cluster.address("server1")),
              new ClusterSecret("intruder", "cluster-secret-0123456789"),
              write("k", "forged", now(), "x")));
      // A member's name under the wrong secret.
      assertRefused(Status.Code.UNAUTHENTICATED, "the cluster secret is not valid",
          () -> PeerRequests.write(plaintext(cluster.address("server1")),
              new ClusterSecret("server2", "a-guessed-secret-9876543210"),
              write("k", "forged", now(), "x")));

      assertThat(cluster.table().nodes()).isEqualTo(before.nodes());
      assertThat(kv.get("k").value()).contains("v");
    }
  }

  @Test
  void withTlsACertificateSpeaksOnlyForItsOwnIdAndAdminOnlyInspects() throws Exception {
    Path certs = tmp.resolve("certs");
    Process gen = new ProcessBuilder(LocalCluster.ROOT.resolve("scripts/gen_certs.sh").toString(),
        certs.toString(), "--nodes", "3").redirectErrorStream(true)
        .redirectOutput(tmp.resolve("gen.out").toFile()).start();
    assertThat(gen.waitFor()).as(() -> read(tmp.resolve("gen.out"))).isZero();
    LocalCluster.Options options = LocalCluster.Options.defaults().secured(certs, null);
    try (LocalCluster cluster = LocalCluster.start(3, 2, options)) {
      RingTable before = cluster.table();
      ManagedChannel asServer3 = tls(cluster.managerAddress(), TlsFiles.identity(certs, "server3"));
      assertRefused(Status.Code.PERMISSION_DENIED, "the caller is server3 and may speak only for "
              + "itself, not for server1",
          () -> ManagerGrpc.newBlockingStub(asServer3).withDeadlineAfter(5, TimeUnit.SECONDS)
              .register(register("server1", "127.0.0.1:9")));
      ManagedChannel asAdmin = tls(cluster.address("server1"), TlsFiles.identity(certs, "admin"));
      assertRefused(Status.Code.PERMISSION_DENIED,
          "the admin identity may only inspect nodes and change the membership",
          () -> PeerRequests.write(asAdmin, null, write("k", "forged", now(), "x")));
      // A member may not change the membership: removing a peer is the operator's.
      cluster.kill9("server2");
      cluster.awaitTable(t -> !t.node("server2").orElseThrow().isUp(), Duration.ofSeconds(10),
          "server2 DOWN");
      RingTable down = cluster.table();
      assertRefused(Status.Code.PERMISSION_DENIED,
          "only the admin identity may change the cluster's membership, not server3",
          () -> ClusterAdminGrpc.newBlockingStub(asServer3).withDeadlineAfter(5, TimeUnit.SECONDS)
              .removeNode(RemoveNodeRequest.newBuilder().setNodeId("server2").build()));
      assertThat(cluster.table().nodes()).isEqualTo(down.nodes());
      before = down;

      assertThat(cluster.table().nodes()).isEqualTo(before.nodes());
      assertThat(cluster.stats("server1").getNodeId()).as("admin may still inspect")
          .isEqualTo("server1");
      // The managers' Raft port takes the managers' certificate only.
      int raftPort = cluster.port("manager") + GroupMember.RAFT_PORT_OFFSET;
      assertThat(speaksRaft(raftPort, TlsFiles.identity(certs, "manager"))).isTrue();
      assertThat(speaksRaft(raftPort, TlsFiles.identity(certs, "server3")))
          .as("a node's certificate on the managers' Raft port").isFalse();
    }
  }

  /**
   * Whether the Raft port at {@code port} takes a connection with {@code identity}: the manager
   * sends its first HTTP/2 frame, or ends the connection with an alert once it has judged the
   * certificate (with TLS 1.3, after the handshake).
   */
  private static boolean speaksRaft(int port, TlsFiles identity) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {PemKeys.keyManager(identity)},
        new TrustManager[] {PemKeys.caTrust(identity)}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(
        "127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      socket.getOutputStream().write(
          "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // SETTINGS
      socket.getOutputStream().flush();
      return socket.getInputStream().read() >= 0;
    } catch (SSLException | SocketException refused) {
      return false;
    }
  }

  @Test
  void theManagerAndTheReplicasRefuseMalformedClaimsAndChangeNothing() {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      kv.put("k", "v");
      RingTable before = cluster.table();
      ManagerGrpc.ManagerBlockingStub manager = ManagerGrpc.newBlockingStub(
          plaintext(cluster.managerAddress())).withDeadlineAfter(5, TimeUnit.SECONDS);
      assertRefused(Status.Code.INVALID_ARGUMENT, "must be 1-64 letters",
          () -> manager.register(register("x".repeat(1_200_000), "127.0.0.1:9")));
      assertRefused(Status.Code.INVALID_ARGUMENT, "must be 1-64 letters",
          () -> manager.register(register("evil\nINFO forged log line", "127.0.0.1:9")));
      assertRefused(Status.Code.INVALID_ARGUMENT, "is not host:port",
          () -> manager.register(register("server9", "127.0.0.1:99999")));
      assertRefused(Status.Code.INVALID_ARGUMENT, "reserved",
          () -> manager.register(register("admin", "127.0.0.1:9")));
      assertRefused(Status.Code.FAILED_PRECONDITION, "node server1 is UP at",
          () -> manager.register(register("server1", "127.0.0.1:9")));
      assertRefused(Status.Code.INVALID_ARGUMENT, "max_down_ms must not be negative",
          () -> manager.register(register("server9", "127.0.0.1:9").toBuilder()
              .setMaxDownMs(-1).build()));
      assertRefused(Status.Code.INVALID_ARGUMENT, "max_down_ms must not be negative",
          () -> manager.heartbeat(HeartbeatRequest.newBuilder().setNodeId("server1")
              .setAddress(cluster.address("server1")).setMaxDownMs(-1).build()));
      assertThat(cluster.table().nodes()).isEqualTo(before.nodes());

      ManagedChannel peer = plaintext(cluster.address("server1"));
      assertRefused(Status.Code.INVALID_ARGUMENT, "ms ahead of this node's clock",
          () -> PeerRequests.write(peer, null,
              write("k", "forever", Long.MAX_VALUE, "x", Integer.MAX_VALUE)));
      assertRefused(Status.Code.INVALID_ARGUMENT, "writer id must be 1-64 characters",
          () -> PeerRequests.write(peer, null, write("k", "forged", now(), "w".repeat(40_000))));
      assertRefused(Status.Code.INVALID_ARGUMENT, "over the limit of 1024 bytes",
          () -> PeerRequests.write(peer, null, write("k".repeat(2_000), "v", now(), "x")));
      assertRefused(Status.Code.INVALID_ARGUMENT, "not a member of the cluster",
          () -> PeerRequests.write(peer, null,
              write("k", "v", now(), "x").toBuilder().setHintFor("nobody").build()));
      assertRefused(Status.Code.INVALID_ARGUMENT, "a copy handed over names no hint",
          () -> PeerRequests.write(peer, null, write("k", "v", now(), "x").toBuilder()
              .setHintFor("server2").setHandover(true).build()));
      assertRefused(Status.Code.INVALID_ARGUMENT, "max_value_bytes must not be negative",
          () -> PeerRequests.read(peer, null,
              ReplicaReadRequest.newBuilder().setKey("k").setMaxValueBytes(-1).build()));

      kv.put("k", "after");
      assertThat(kv.get("k").value()).as("every node still takes and serves writes")
          .contains("after");
      for (String id : cluster.storageNodeIds()) {
        assertThat(cluster.stats(id).getTableEpoch()).as(id + " up").isPositive();
      }
    }
  }

  @Test
  void aClientThatNeverReadsItsRepliesCannotExhaustANodeAndOthersStayServed() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      kv.put("big", "x".repeat(512 * 1024));
      kv.put("small", "v");
      // 10,000 reads of a 512 KiB value (5 GiB of replies) on a stream whose replies are never
      // read: the node must stop reading the stream, not buffer what it cannot send.
      StreamObserver<KvRequestFrame> slow = KvGrpc.newStub(plaintext(cluster.address("server1")))
          .stream(new NeverReads());
      long id = 0;
      for (int frame = 0; frame < 200; frame++) {
        KvRequestFrame.Builder b = KvRequestFrame.newBuilder();
        for (int i = 0; i < 50; i++) {
          b.addRequests(KvRequest.newBuilder().setId(++id)
              .setGet(GetRequest.newBuilder().setKey("big")));
        }
        slow.onNext(b.build());
      }

      assertOthersServedAndEveryNodeUp(cluster, kv, "while a reader stalls");
      slow.onError(Status.CANCELLED.asException());
    }
  }

  @Test
  void manyStreamsOfReadsOfALargeValueStayWithinTheBudgetAndEveryReadRetriedIsServed()
      throws Exception {
    long seed = Long.getLong("ringkv.seed", System.nanoTime());
    System.out.println("seed: -Dringkv.seed=" + seed);
    try (LocalCluster cluster = LocalCluster.start(3, 3); KvClient kv = cluster.client()) {
      String big = "b".repeat(1_000_000);
      kv.put("big", big);
      kv.put("small", "v");
      // 8 streams that never read their replies, each sending 1000 reads of the 1 MB value in
      // one frame, and 8 that do, each sending 300: 10 GB of replies, were every read served at
      // once. Once others are seen served meanwhile, the reading streams retry each read shed
      // (RESOURCE_EXHAUSTED) or refused for now (UNAVAILABLE) after a jittered backoff, as
      // clients do.
      KvGrpc.KvStub stub = KvGrpc.newStub(plaintext(cluster.address("server1")));
      Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
      List<RetryingReader> readers = new ArrayList<>();
      List<StreamObserver<KvRequestFrame>> unread = new ArrayList<>();
      ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
      try {
        for (int s = 0; s < 8; s++) {
          RetryingReader reader = new RetryingReader(stub, big.length(), outcomes, retries,
              new Random(seed + s));
          reader.readAll(300);
          readers.add(reader);
          StreamObserver<KvRequestFrame> stream = stub.stream(new NeverReads());
          stream.onNext(framesOfReads(1000));
          unread.add(stream);
        }

        assertOthersServedAndEveryNodeUp(cluster, kv, "under 16 streams of large reads");
        readers.forEach(RetryingReader::retryShed);
        try {
          Poll.untilTrue(Duration.ofSeconds(90), "every read retried until served, a reading "
              + "stream ended, or a reply neither the value nor shed (seed " + seed + ")",
              () -> readers.stream().allMatch(r -> r.allServed() || r.ended != null)
                  || !RETRIED_OR_SERVED.containsAll(outcomes.keySet()));
        } finally {
          System.out.println("replies to the reading streams: " + outcomes + "; served: "
              + readers.stream().mapToInt(RetryingReader::servedCount).sum());
        }
        assertThat(readers).as("reading streams ended by the node")
            .allSatisfy(r -> assertThat(r.ended).isNull());
        assertThat(outcomes.keySet()).as("each read got the value or was told to retry")
            .isSubsetOf(RETRIED_OR_SERVED);
        assertThat(kv.get("big").value()).contains(big);
      } finally {
        retries.shutdownNow();
        readers.forEach(RetryingReader::close);
        unread.forEach(stream -> stream.onError(Status.CANCELLED.asException()));
      }
    }
  }

  /**
   * What a read of the flood may be answered: the value, shed for retry with backoff, or (replicas
   * too slow on a starved machine) unavailable for now, which a client retries too.
   */
  private static final Set<String> RETRIED_OR_SERVED =
      Set.of("the value", "RESOURCE_EXHAUSTED", "UNAVAILABLE");

  private static KvRequestFrame framesOfReads(int count) {
    KvRequestFrame.Builder frame = KvRequestFrame.newBuilder();
    for (int i = 0; i < count; i++) {
      frame.addRequests(readOfBig(i + 1));
    }
    return frame.build();
  }

  private static KvRequest readOfBig(long id) {
    return KvRequest.newBuilder().setId(id).setGet(GetRequest.newBuilder().setKey("big")).build();
  }

  /** A stream that never asks for a reply. */
  private static final class NeverReads
      implements ClientResponseObserver<KvRequestFrame, KvReplyFrame> {
    @Override
    public void beforeStart(ClientCallStreamObserver<KvRequestFrame> requests) {
      requests.disableAutoRequestWithInitial(0);
    }

    @Override
    public void onNext(KvReplyFrame frame) {}

    @Override
    public void onError(Throwable error) {}

    @Override
    public void onCompleted() {}
  }

  /**
   * A stream of reads of "big". Once told to retry, it resends each read answered
   * RESOURCE_EXHAUSTED or UNAVAILABLE after a backoff with full jitter (50 ms doubling to 2 s),
   * until every read has got the value.
   */
  private static final class RetryingReader implements StreamObserver<KvReplyFrame> {
    private final int valueLength;
    private final Map<String, AtomicInteger> outcomes;
    private final ScheduledExecutorService retries;
    private final Random random;
    private final Map<Long, Integer> attempts = new ConcurrentHashMap<>();
    private final Set<Long> served = ConcurrentHashMap.newKeySet();
    private final StreamObserver<KvRequestFrame> requests;
    private final List<Long> shedBeforeRetrying = new ArrayList<>(); // guarded by itself
    private volatile boolean retrying;
    private volatile int count;
    volatile Throwable ended;

    RetryingReader(KvGrpc.KvStub stub, int valueLength, Map<String, AtomicInteger> outcomes,
        ScheduledExecutorService retries, Random random) {
      this.valueLength = valueLength;
      this.outcomes = outcomes;
      this.retries = retries;
      this.random = random;
      this.requests = stub.stream(this);
    }

    void readAll(int count) {
      this.count = count;
      send(framesOfReads(count));
    }

    boolean allServed() {
      return served.size() == count;
    }

    int servedCount() {
      return served.size();
    }

    @Override
    public void onNext(KvReplyFrame frame) {
      for (KvReply reply : frame.getRepliesList()) {
        String outcome = reply.hasError()
            ? StreamErrors.toStatus(reply.getError()).getCode().name()
            : reply.getGet().getValue().size() == valueLength ? "the value" : "wrong";
        outcomes.computeIfAbsent(outcome, o -> new AtomicInteger()).incrementAndGet();
        if (outcome.equals("the value")) {
          served.add(reply.getId());
        } else if (RETRIED_OR_SERVED.contains(outcome)) {
          shed(reply.getId());
        }
      }
    }

    private void shed(long id) {
      synchronized (shedBeforeRetrying) {
        if (!retrying) {
          shedBeforeRetrying.add(id);
          return;
        }
      }
      int attempt = attempts.merge(id, 1, Integer::sum);
      long capMs = Math.min(2_000, 50L << Math.min(attempt, 6));
      long delayMs;
      synchronized (random) {
        delayMs = random.nextLong(capMs) + 1;
      }
      retries.schedule(() -> send(KvRequestFrame.newBuilder().addRequests(readOfBig(id)).build()),
          delayMs, TimeUnit.MILLISECONDS);
    }

    void retryShed() {
      List<Long> shed;
      synchronized (shedBeforeRetrying) {
        retrying = true;
        shed = List.copyOf(shedBeforeRetrying);
      }
      shed.forEach(this::shed);
    }

    private synchronized void send(KvRequestFrame frame) {
      requests.onNext(frame);
    }

    synchronized void close() {
      requests.onError(Status.CANCELLED.asException());
    }

    @Override
    public void onError(Throwable error) {
      ended = error;
    }

    @Override
    public void onCompleted() {}
  }

  @Test
  void aReadOfManyLargeValuesIsAnsweredInRepliesThatFitAMessage() {
    try (LocalCluster cluster = LocalCluster.start(3, 3); KvClient kv = cluster.client()) {
      for (int i = 0; i < 20; i++) {
        kv.put("large-" + i, Integer.toString(i).repeat(500_000 / Integer.toString(i).length()));
      }
      ReadManyRequest.Builder request = ReadManyRequest.newBuilder();
      for (int i = 0; i < 10_000; i++) {
        request.addKeys("large-" + i % 20); // 10,000 reads of 500 KB values: 5 GB in one reply
      }
      ReadManyReply reply = ReplicaGrpc.newBlockingStub(plaintext(cluster.address("server2")))
          .withDeadlineAfter(10, TimeUnit.SECONDS).readMany(request.build());

      assertThat(reply.getKeysRead()).as("read until a reply's worth").isBetween(1, 3);
      assertThat(reply.getSerializedSize()).isLessThan(1_100_000);
      assertThat(reply.getRecords(0).getKey()).isEqualTo("large-0");

      // A digest check of the whole ring cut into 5,000 ranges asks more than a call may.
      RangeDigestsRequest.Builder digests = RangeDigestsRequest.newBuilder();
      for (long i = 0; i < 5_000; i++) {
        digests.addRanges(RangeDigestProto.newBuilder().setStart(i).setEnd(i + 1));
      }
      assertThatThrownBy(() -> ReplicaGrpc.newBlockingStub(plaintext(cluster.address("server2")))
          .withDeadlineAfter(10, TimeUnit.SECONDS).rangeDigests(digests.build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription())
                .isEqualTo("a digest check may name at most 4096 ranges, got 5000");
          });
      assertOthersServedAndEveryNodeUp(cluster, kv, "after a read of many large values");
    }
  }

  @Test
  void malformedMessagesAreRefusedAsInvalidWithOneLogLineNotOnePerRequest() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, 1); KvClient kv = cluster.client()) {
      kv.put("k", "v");
      byte[] junk = {(byte) 0xff, (byte) 0xff, 1, 2, 3}; // a tag with an invalid wire type
      List<String> methods = List.of("ringkv.v1.Kv/Put", "ringkv.v1.Kv/Get",
          "ringkv.v1.Replica/Read", "ringkv.v1.Kv/Stream", "ringkv.v1.Replica/Stream");
      ManagedChannel node = plaintext(cluster.address("server1"));
      for (int i = 0; i < 200; i++) {
        String method = methods.get(i % methods.size());
        Status status = RawCalls.send(node, method, junk);
        assertThat(status.getCode()).as(method).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo("server1 could not parse the request "
            + "message of " + method + ": Protocol message tag had invalid wire type.");
      }
      Status toManager = RawCalls.send(plaintext(cluster.managerAddress()),
          "ringkv.v1.Manager/Register", junk);
      assertThat(toManager.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

      String log = cluster.logTail("server1");
      long lines = log.lines().filter(l -> l.contains("refused a malformed request")).count();
      assertThat(lines).as("log lines for 200 malformed requests (one per 10 s)").isBetween(1L, 3L);
      assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");
      assertThat(kv.get("k").value()).contains("v");
    }
  }

  @Test
  void rapidStreamResetsCannotStallANodeForOthers() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      // HTTP/2 rapid reset: open a stream and reset it at once, up to 2,000 a second, far past
      // the 200 resets in 10 s after which the node closes the connection; the abuser
      // reconnects. Paced, from one thread: on two cores, a thread spinning flat out in this JVM
      // (calls fail fast while the node has cut the abuser off) takes a core from the nodes and
      // the measuring client beside it, and the test would measure its own process.
      ManagedChannel abuser = plaintext(cluster.address("server1"));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger resets = new AtomicInteger();
      Thread abuse = new Thread(() -> {
        while (!stop.get()) {
          ClientCall<KvRequestFrame, KvReplyFrame> call =
              abuser.newCall(KvGrpc.getStreamMethod(), CallOptions.DEFAULT);
          call.start(new ClientCall.Listener<>() {}, new Metadata());
          call.sendMessage(KvRequestFrame.getDefaultInstance());
          call.cancel("rapid reset", null);
          resets.incrementAndGet();
          LockSupport.parkNanos(500_000);
        }
      }, "rapid-reset");
      abuse.start();
      try {
        Poll.untilTrue(Duration.ofSeconds(30), "10,000 calls opened and reset", () -> resets.get() > 10_000);
        assertOthersServedAndEveryNodeUp(cluster, kv, "under rapid resets");
      } finally {
        stop.set(true);
        abuse.join();
      }
      System.out.println("calls opened and reset at once (some failed fast while the abuser was cut off): " + resets.get());
    }
  }

  @Test
  void aCachedTableNewerThanTheClustersIsReplacedByTheManagersNotObeyed() {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      kv.put("k", "v");
      RingTable real = cluster.table();
      Path cache = tmp.resolve("forged-table.pb");
      new FileTableCache(cache).store(RingTable.of(real.clusterId(), real.epoch() + 1_000,
          real.replicationFactor(), real.nodes()));

      Cli.Result get = new Cli(cluster.managerAddress(), cache).run("--get", "k");

      assertThat(get.exit()).as(get.err()).isZero();
      assertThat(get.line()).startsWith("k, v, ");
      assertThat(new FileTableCache(cache).load().orElseThrow().epoch())
          .as("the manager's table replaced the forged one").isEqualTo(real.epoch());
    }
  }

  // ------------------------------------------------------------------------------------------

  /** Another client's reads stay fast, and every node is up and within its heap. */
  private static void assertOthersServedAndEveryNodeUp(LocalCluster cluster, KvClient kv,
      String when) {
    OtherClient.assertServedQuickly(kv, when);
    for (String node : cluster.storageNodeIds()) {
      assertThat(cluster.isRunning(node)).as(node + " alive").isTrue();
      NodeStatusReply stats = cluster.stats(node);
      assertThat(stats.getHeapUsedBytes()).as(node + " heap").isLessThan(stats.getHeapMaxBytes());
    }
  }

  private ManagedChannel plaintext(String address) {
    return track(Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build());
  }

  private ManagedChannel tls(String address, TlsFiles identity) {
    return track(Grpc.newChannelBuilder(address, Credentials.channel(identity)).build());
  }

  private ManagedChannel track(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  private static RegisterRequest register(String id, String address) {
    return RegisterRequest.newBuilder().setNodeId(id).setAddress(address).build();
  }

  private static ReplicaWriteRequest write(String key, String value, long ms, String writer) {
    return write(key, value, ms, writer, 0);
  }

  private static ReplicaWriteRequest write(String key, String value, long ms, String writer,
      int logical) {
    return PeerRequests.writeOf(key, value, ms, logical, writer);
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static void assertRefused(Status.Code code, String sentence,
      ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(code))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains(sentence));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return e.getMessage();
    }
  }
}

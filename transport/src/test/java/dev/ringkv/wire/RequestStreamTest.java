package dev.ringkv.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.GetReply;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both ends of a request stream over real sockets on 127.0.0.1: a {@link RequestStream} calling
 * a {@link StreamServer} whose handler holds each request until the test answers it.
 */
class RequestStreamTest {

  private record Held(KvRequest request, CompletableFuture<KvReply> reply) {}

  private final Map<String, Held> held = new ConcurrentHashMap<>(); // by key
  private volatile long reservePerRequest;
  private final List<Integer> frameSizes = new CopyOnWriteArrayList<>();
  private final ExecutorService serverSender = Executors.newSingleThreadExecutor();
  private final ExecutorService clientSender = Executors.newSingleThreadExecutor();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private StreamServer<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> streams;
  private Server server;
  private ManagedChannel channel;
  private RequestStream<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> stream;

  @AfterEach
  void stop() throws InterruptedException {
    if (stream != null) {
      stream.close();
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    serverSender.shutdownNow();
    clientSender.shutdownNow();
    timer.shutdownNow();
  }

  @Test
  void repliesFindTheirRequestsInWhateverOrderTheyCome() throws Exception {
    start(unlimited(), clientSender);
    CompletableFuture<KvReply> a = get("a");
    CompletableFuture<KvReply> b = get("b");
    CompletableFuture<KvReply> c = get("c");
    awaitHeld(3);

    answer("c");
    answer("a");
    answer("b");

    assertThat(valueOf(a)).isEqualTo("a");
    assertThat(valueOf(b)).isEqualTo("b");
    assertThat(valueOf(c)).isEqualTo("c");
  }

  @Test
  void requestsQueuedWhileTheSenderIsBusyLeaveInOneFrameServedAsFarAsTheStreamsShareReaches()
      throws Exception {
    ManualExecutor sender = new ManualExecutor();
    // Each read reserves 100,000 bytes for the answers it will wait for; a stream may hold a
    // quarter of the 4,000,000-byte budget: 10 reads (the 10th crosses the line).
    reservePerRequest = 100_000;
    start(new InFlightBudget(1000, 4_000_000), sender);
    List<CompletableFuture<KvReply>> replies =
        IntStream.range(0, 50).mapToObj(i -> get("k" + i)).toList();

    // The sender runs what is queued on it: the flush, and another once the stream is ready.
    await(() -> {
      sender.runAll();
      return !frameSizes.isEmpty();
    });
    awaitHeld(10);
    assertThat(frameSizes).containsExactly(50);
    assertThat(held).as("a frame of reads is served only as far as the stream's share reaches")
        .hasSize(10);

    // Each answer sent frees room for the next waiting read.
    await(() -> {
      held.keySet().forEach(this::answer);
      return held.size() == 50;
    });
    held.keySet().forEach(this::answer);
    for (int i = 0; i < 50; i++) {
      assertThat(valueOf(replies.get(i))).isEqualTo("k" + i);
    }
  }

  @Test
  void aRequestNotAnsweredInTimeFailsAndTheStreamGoesOn() throws Exception {
    start(unlimited(), clientSender);
    CompletableFuture<KvReply> late = get("late", 100);

    assertThat(statusOf(late)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    CompletableFuture<KvReply> next = get("next");
    awaitHeld(2);
    answer("next");
    assertThat(valueOf(next)).isEqualTo("next");
  }

  @Test
  void aRequestReadAfterItsDeadlineIsRefusedAndNeverServed() throws Exception {
    start(unlimited(), clientSender);
    // As if the node had been paused while the request waited in its socket.
    CompletableFuture<KvReply> stale = stream.submit(id -> KvRequest.newBuilder().setId(id)
        .setDeadlineMs(System.currentTimeMillis() - 1)
        .setGet(GetRequest.newBuilder().setKey("stale")).build(), 10_000);

    assertThat(statusOf(stale)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    CompletableFuture<KvReply> fresh = stream.submit(id -> KvRequest.newBuilder().setId(id)
        .setDeadlineMs(System.currentTimeMillis() + 10_000)
        .setGet(GetRequest.newBuilder().setKey("fresh")).build(), 10_000);
    awaitHeld(1);
    answer("fresh");
    assertThat(valueOf(fresh)).isEqualTo("fresh");
    assertThat(held).as("the handler never saw the stale request").doesNotContainKey("stale");
  }

  @Test
  void whenTheStreamBreaksOpenRequestsFailAndTheNextRequestOpensANewOne() throws Exception {
    start(unlimited(), clientSender);
    int port = server.getPort();
    CompletableFuture<KvReply> open = get("open");
    awaitHeld(1);

    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    assertThat(statusOf(open)).isEqualTo(Status.Code.UNAVAILABLE);
    held.clear();
    server = serve(port);
    await(() -> {
      channel.resetConnectBackoff();
      CompletableFuture<KvReply> again = get("again", 1_000);
      // Fails fast while the channel reconnects; once through, the new server holds it.
      again.handle((r, e) -> null).join();
      return held.containsKey("again");
    });
  }

  @Test
  void aConnectionLostUnderTheStreamMakesItsRequestsRetryableElsewhere() {
    // What grpc-netty reports when the peer's socket resets under a call (the node was killed).
    Throwable reset = new ClosedChannelException().initCause(
        new IOException("Connection reset by peer"));
    Status lost = Status.UNKNOWN.withDescription("channel closed").withCause(reset);

    assertThat(RequestStream.brokenStream(lost).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(RequestStream.brokenStream(Status.CANCELLED).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(RequestStream.brokenStream(Status.UNKNOWN.withDescription("handler threw"))
        .getCode()).as("not a connection loss").isEqualTo(Status.Code.UNKNOWN);
    assertThat(RequestStream.brokenStream(Status.UNAUTHENTICATED).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void requestsBeyondTheBudgetAreRefusedAtOnce() throws Exception {
    int cost = StreamServer.BOOKKEEPING_BYTES + 64;
    start(new InFlightBudget(1, 4L * cost), clientSender); // each stream's share: one request
    List<RequestStream<KvRequest, KvRequestFrame, KvReply, KvReplyFrame>> others =
        IntStream.range(0, 4).mapToObj(i -> new RequestStream<>(Framing.KV,
            (StreamObserver<KvReplyFrame> replies) -> KvGrpc.newStub(channel).stream(replies),
            clientSender, timer, 64 * 1024)).toList();
    try {
      List<CompletableFuture<KvReply>> replies = new ArrayList<>();
      replies.add(get("k0"));
      for (int i = 0; i < others.size(); i++) {
        int n = i + 1;
        replies.add(others.get(i).submit(id -> KvRequest.newBuilder().setId(id)
            .setGet(GetRequest.newBuilder().setKey("k" + n)).build(), 10_000));
      }

      await(() -> held.size() + replies.stream().filter(CompletableFuture::isDone).count() == 5);
      assertThat(held).as("new requests take three quarters of the budget: three").hasSize(3);
      List<CompletableFuture<KvReply>> refused =
          replies.stream().filter(CompletableFuture::isDone).toList();
      assertThat(refused).hasSize(2);
      assertThat(refused).allSatisfy(
          r -> assertThat(statusOf(r)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      held.keySet().forEach(this::answer);
      for (CompletableFuture<KvReply> r : replies) {
        if (!refused.contains(r)) {
          assertThat(r.get(5, TimeUnit.SECONDS).getId()).isPositive();
        }
      }
    } finally {
      others.forEach(RequestStream::close);
    }
  }

  @Test
  void aStreamHoldingItsShareOfTheBudgetWaitsInsteadOfTakingMore() throws Exception {
    // The stream's share, a quarter of the budget, is less than what one request holds.
    start(new InFlightBudget(1, 4L * StreamServer.BOOKKEEPING_BYTES), clientSender);
    CompletableFuture<KvReply> first = get("first");
    CompletableFuture<KvReply> second = get("second");
    awaitHeld(1);
    assertThat(second).as("waits, not refused").isNotDone();
    assertThat(held).containsOnlyKeys("first");

    answer("first");
    assertThat(valueOf(first)).isEqualTo("first");
    awaitHeld(2);
    answer("second");
    assertThat(valueOf(second)).isEqualTo("second");
  }


  @Test
  void streamsWhoseRepliesGoUnreadAreClosedWhenTheyHoldTheBudgetOthersNeed() throws Exception {
    start(new InFlightBudget(10_000, 4_000_000), clientSender);
    // Four callers that never read their replies: each sends 40 reads, answered with 200 KB
    // each. What the transport does not take stays held: more than the whole budget.
    Map<Integer, Status> closed = new ConcurrentHashMap<>();
    List<ClientCallStreamObserver<KvRequestFrame>> hogs = new CopyOnWriteArrayList<>();
    for (int h = 0; h < 4; h++) {
      int hog = h;
      StreamObserver<KvRequestFrame> requests = KvGrpc.newStub(channel).stream(
          new ClientResponseObserver<KvRequestFrame, KvReplyFrame>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<KvRequestFrame> call) {
              call.disableAutoRequestWithInitial(0);
              hogs.add(call);
            }

            @Override
            public void onNext(KvReplyFrame frame) {}

            @Override
            public void onError(Throwable error) {
              closed.put(hog, Status.fromThrowable(error));
            }

            @Override
            public void onCompleted() {}
          });
      KvRequestFrame.Builder frame = KvRequestFrame.newBuilder();
      for (int i = 0; i < 40; i++) {
        frame.addRequests(KvRequest.newBuilder().setId(i + 1)
            .setGet(GetRequest.newBuilder().setKey("hog" + h + "-" + i)));
      }
      requests.onNext(frame.build());
    }
    awaitHeld(4 * 40);
    held.keySet().forEach(key -> answer(key, 200_000));

    // Another caller's read finds the budget full: the streams then holding more than their
    // part unread are closed, and the read is served.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean served = false;
    for (int n = 0; !served; n++) {
      assertThat(System.nanoTime()).as("another caller's read served within 10 s")
          .isLessThan(deadline);
      String key = "other" + n;
      CompletableFuture<KvReply> read = get(key);
      await(() -> held.containsKey(key) || read.isDone());
      served = held.containsKey(key);
    }
    await(() -> streams.openStreams() < 5);
    // A closed caller learns why once it reads what came before.
    hogs.forEach(call -> call.request(Integer.MAX_VALUE));
    await(() -> !closed.isEmpty());
    assertThat(closed.values()).extracting(Status::getCode, Status::getDescription)
        .containsOnly(tuple(Status.Code.RESOURCE_EXHAUSTED, "test-node closed this stream: its "
            + "replies went unread while it held more than its part of the node's in-flight "
            + "budget, which others needed"));
  }

  @Test
  void drainingAnswersWhatIsInFlightRefusesTheRestAndEndsEveryStream() throws Exception {
    start(unlimited(), clientSender);
    CompletableFuture<KvReply> inFlight = get("in-flight");
    awaitHeld(1);

    streams.drain();
    CompletableFuture<KvReply> refused = get("refused");
    assertThat(statusOf(refused)).isEqualTo(Status.Code.UNAVAILABLE);
    answer("in-flight");

    assertThat(valueOf(inFlight)).isEqualTo("in-flight");
    await(() -> streams.openStreams() == 0);
  }

  // ------------------------------------------------------------------------------------------

  private void start(InFlightBudget budget, Executor sender) throws IOException {
    streams = new StreamServer<>("test-node", Framing.KV, request -> {
      CompletableFuture<KvReply> reply = new CompletableFuture<>();
      held.put(request.getGet().getKey(), new Held(request, reply));
      return reply;
    }, request -> reservePerRequest, budget, serverSender, 64 * 1024, System::currentTimeMillis);
    server = serve(0);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .build();
    stream = new RequestStream<>(Framing.KV,
        replies -> KvGrpc.newStub(channel).stream(replies), sender, timer, 64 * 1024);
  }

  private Server serve(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .directExecutor()
        .addService(new KvGrpc.KvImplBase() {
          @Override
          public StreamObserver<KvRequestFrame> stream(StreamObserver<KvReplyFrame> replies) {
            StreamObserver<KvRequestFrame> requests = streams.open(replies);
            return new StreamObserver<>() {
              @Override
              public void onNext(KvRequestFrame frame) {
                frameSizes.add(frame.getRequestsCount());
                requests.onNext(frame);
              }

              @Override
              public void onError(Throwable error) {
                requests.onError(error);
              }

              @Override
              public void onCompleted() {
                requests.onCompleted();
              }
            };
          }
        })
        .build()
        .start();
  }

  private static InFlightBudget unlimited() {
    return new InFlightBudget(Integer.MAX_VALUE, Long.MAX_VALUE);
  }

  private CompletableFuture<KvReply> get(String key) {
    return get(key, 10_000);
  }

  private CompletableFuture<KvReply> get(String key, long timeoutMs) {
    return stream.submit(id -> KvRequest.newBuilder().setId(id)
        .setGet(GetRequest.newBuilder().setKey(key)).build(), timeoutMs);
  }

  /** Answers the held request for {@code key} with a value of {@code size} bytes. */
  private void answer(String key, int size) {
    Held h = held.get(key);
    h.reply().complete(KvReply.newBuilder().setId(h.request().getId())
        .setGet(GetReply.newBuilder().setFound(true).setValue(ByteString.copyFrom(new byte[size])))
        .build());
  }

  /** Answers the held request for {@code key} with the key itself as the value. */
  private void answer(String key) {
    Held h = held.get(key);
    h.reply().complete(KvReply.newBuilder().setId(h.request().getId())
        .setGet(GetReply.newBuilder().setFound(true).setValue(ByteString.copyFromUtf8(key)))
        .build());
  }

  private void awaitHeld(int count) throws InterruptedException {
    await(() -> held.size() >= count);
  }

  private static String valueOf(CompletableFuture<KvReply> reply) throws Exception {
    return reply.get(5, TimeUnit.SECONDS).getGet().getValue().toStringUtf8();
  }

  private static Status.Code statusOf(CompletableFuture<KvReply> reply) {
    assertThatThrownBy(() -> reply.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StatusRuntimeException.class);
    return Status.fromThrowable(reply.handle((r, e) -> e).join()).getCode();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(10);
    }
  }

  /** Runs tasks only when told, so a test decides when the sender gets to send. */
  private static final class ManualExecutor implements Executor {
    private final Queue<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (true) {
        Runnable task;
        synchronized (this) {
          task = tasks.poll();
        }
        if (task == null) {
          return;
        }
        task.run();
      }
    }
  }
}

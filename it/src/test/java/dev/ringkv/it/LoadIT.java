package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.ringkv.client.KvClient;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.proto.WriteReply;
import dev.ringkv.wire.StreamErrors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node under more load than it should take, and a whole cluster stopped under load. */
@Timeout(300)
class LoadIT {

  /**
   * A flood of 1 MiB puts as single calls, far more at once than the node admits: each is stored,
   * refused with RESOURCE_EXHAUSTED, or reported as not answered in time by its replicas, never
   * anything else; the node stays up within its heap.
   */
  @Test
  void aFloodOfLargeValuesInSingleCallsIsShedNotFatal() throws Exception {
    floodWithLargeValues("single calls", (channel, puts, outcome) -> {
      for (PutRequest put : puts) {
        KvGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).put(put,
            new StreamObserver<>() {
              @Override
              public void onNext(WriteReply value) {}

              @Override
              public void onError(Throwable t) {
                outcome.accept(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                outcome.accept(Status.OK);
              }
            });
      }
    });
  }

  /** The same flood over streams, as the client library sends: shed per request, not fatal. */
  @Test
  void aFloodOfLargeValuesOverStreamsIsShedNotFatal() throws Exception {
    floodWithLargeValues("streams", (channel, puts, outcome) -> {
      AtomicInteger unanswered = new AtomicInteger(puts.size());
      StreamObserver<KvRequestFrame> stream = KvGrpc.newStub(channel).stream(
          new StreamObserver<>() {
            @Override
            public void onNext(KvReplyFrame frame) {
              for (KvReply reply : frame.getRepliesList()) {
                unanswered.decrementAndGet();
                outcome.accept(reply.hasError()
                    ? StreamErrors.toStatus(reply.getError()) : Status.OK);
              }
            }

            @Override
            public void onError(Throwable t) {
              for (int i = unanswered.getAndSet(0); i > 0; i--) {
                outcome.accept(Status.fromThrowable(t)); // a broken stream fails the test
              }
            }

            @Override
            public void onCompleted() {}
          });
      long id = 0;
      for (PutRequest put : puts) {
        stream.onNext(KvRequestFrame.newBuilder()
            .addRequests(KvRequest.newBuilder().setId(++id).setPut(put)).build());
      }
    });
  }

  private static final String STORED = "stored";
  private static final String SHED = "shed";
  private static final String REPLICAS_TIMED_OUT = "replicas timed out";

  /**
   * What a put's answer was. A put the node admitted fans out 1 MiB to each other replica, and
   * those replicas are flooded too: one may not answer within the request's timeout, and the
   * coordinator must then say that the write's outcome is unknown: UNAVAILABLE, the quorum not
   * reached because replicas ran out of time (no reply within the timeout, or the deadline had
   * passed when the replica got to the request). A broken stream or connection, or any other
   * status, is its own kind, which fails the test.
   */
  private static String kindOf(Status status) {
    String description = String.valueOf(status.getDescription());
    return switch (status.getCode()) {
      case OK -> STORED;
      case RESOURCE_EXHAUSTED -> SHED;
      case UNAVAILABLE -> description.contains("cannot answer (")
          && description.contains("DEADLINE_EXCEEDED") ? REPLICAS_TIMED_OUT : "UNAVAILABLE";
      default -> status.getCode().name();
    };
  }

  /** Sends one way or another. */
  private interface PutSender {
    void send(ManagedChannel channel, List<PutRequest> puts, Consumer<Status> outcome);
  }

  private static void floodWithLargeValues(String how, PutSender sender) throws Exception {
    LocalCluster.Options options = LocalCluster.Options.defaults()
        .withNodeArgs("--max-in-flight-bytes", String.valueOf(16 * 1024 * 1024));
    try (LocalCluster cluster = LocalCluster.start(3, 3, options)) {
      ByteString megabyte = ByteString.copyFrom(new byte[1024 * 1024]);
      Map<String, Integer> outcomes = new ConcurrentHashMap<>();
      Map<String, String> examples = new ConcurrentHashMap<>();
      List<ManagedChannel> channels = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(8 * 40);
      Consumer<Status> outcome = status -> {
        String kind = kindOf(status);
        outcomes.merge(kind, 1, Integer::sum);
        examples.putIfAbsent(kind, String.valueOf(status.getDescription()));
        done.countDown();
      };
      int key = 0;
      for (int c = 0; c < 8; c++) {
        ManagedChannel ch = Grpc.newChannelBuilder(cluster.address("server1"),
            InsecureChannelCredentials.create()).build();
        channels.add(ch);
        List<PutRequest> puts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          puts.add(PutRequest.newBuilder().setKey("big-" + key++).setValue(megabyte).build());
        }
        sender.send(ch, puts, outcome);
      }
      try (KvClient kv = cluster.client()) {
        OtherClient.assertServedQuickly(kv, "during a flood of 1 MiB puts in " + how);
      }
      assertThat(done.await(120, TimeUnit.SECONDS)).as("all 320 puts answered").isTrue();
      channels.forEach(ManagedChannel::shutdownNow);
      System.out.printf("flood of 320 x 1 MiB puts in %s: %s %s%n", how, new TreeMap<>(outcomes),
          examples);
      assertThat(outcomes.keySet()).isSubsetOf(STORED, SHED, REPLICAS_TIMED_OUT);
      assertThat(outcomes.getOrDefault(STORED, 0)).isGreaterThan(0);
      for (String id : cluster.storageNodeIds()) {
        assertThat(cluster.isRunning(id)).as(id + " alive").isTrue();
        NodeStatusReply stats = cluster.stats(id);
        assertThat(stats.getHeapUsedBytes()).isLessThan(stats.getHeapMaxBytes());
      }
      try (KvClient kv = cluster.client()) {
        kv.put("after", "flood");
        assertThat(kv.get("after").value()).contains("flood");
      }
    }
  }

  /**
   * SIGTERM to every storage node while writers are busy: each exits within the bound, and
   * once restarted every acknowledged write is there.
   */
  @Test
  void aGracefulStopUnderLoadLosesNothingAcknowledged() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 2); KvClient kv = cluster.client()) {
      Map<String, String> acknowledged = new ConcurrentHashMap<>();
      AtomicBoolean running = new AtomicBoolean(true);
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        Thread t = new Thread(() -> {
          for (int i = 0; running.get(); i++) {
            String key = "g" + writer + "-" + (i % 50);
            try {
              kv.putAsync(key, ("v" + i).getBytes(), dev.ringkv.ring.Consistency.QUORUM)
                  .get(3, TimeUnit.SECONDS);
              acknowledged.put(key, "v" + i);
            } catch (Exception e) {
              // in flight during the stop: may or may not have landed
            }
          }
        });
        t.start();
        writers.add(t);
      }
      Poll.untilTrue(Duration.ofSeconds(30), "some writes acknowledged",
          () -> acknowledged.size() >= 100);
      long stopMs = cluster.terminateTogether(cluster.storageNodeIds(), Duration.ofSeconds(15));
      running.set(false);
      for (Thread t : writers) {
        t.join(10_000);
      }
      System.out.printf("graceful stop of 3 nodes under load took %d ms%n", stopMs);

      for (String id : cluster.storageNodeIds()) {
        cluster.restart(id);
      }
      cluster.awaitSettled(Duration.ofSeconds(60));
      // Every write acknowledged before the stop began, or later, must read back no older.
      for (Map.Entry<String, String> e : acknowledged.entrySet()) {
        String read = kv.get(e.getKey()).value().orElse("none");
        long readSeq = read.equals("none") ? -1 : Long.parseLong(read.substring(1));
        long ackedSeq = Long.parseLong(e.getValue().substring(1));
        assertThat(readSeq).as("%s: acknowledged %s, read %s", e.getKey(), e.getValue(), read)
            .isGreaterThanOrEqualTo(ackedSeq);
      }
    }
  }
}

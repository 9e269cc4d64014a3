package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.ringkv.client.KvClient;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.proto.StatsReply;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node under more load than it should take, and a whole cluster stopped under load. */
@Timeout(300)
class LoadIT {

  /**
   * A flood of 1 MiB puts, far more at once than the node admits: each is stored or refused
   * with RESOURCE_EXHAUSTED, never anything else; the node stays up within its heap.
   */
  @Test
  void aFloodOfLargeValuesIsShedNotFatal() throws Exception {
    LocalCluster.Options options = LocalCluster.Options.defaults()
        .withNodeArgs("--max-in-flight-bytes", String.valueOf(16 * 1024 * 1024));
    try (LocalCluster cluster = LocalCluster.start(3, 3, options)) {
      ByteString megabyte = ByteString.copyFrom(new byte[1024 * 1024]);
      Map<Status.Code, Integer> outcomes = new ConcurrentHashMap<>();
      Map<Status.Code, String> examples = new ConcurrentHashMap<>();
      List<ManagedChannel> channels = new ArrayList<>();
      int calls = 0;
      CountDownLatch done = new CountDownLatch(8 * 40);
      for (int c = 0; c < 8; c++) {
        ManagedChannel ch = Grpc.newChannelBuilder(cluster.address("server1"),
            InsecureChannelCredentials.create()).build();
        channels.add(ch);
        for (int i = 0; i < 40; i++) {
          PutRequest put = PutRequest.newBuilder().setKey("big-" + calls++).setValue(megabyte)
              .build();
          KvGrpc.newStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS).put(put,
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(dev.ringkv.proto.WriteReply value) {}

                @Override
                public void onError(Throwable t) {
                  outcomes.merge(Status.fromThrowable(t).getCode(), 1, Integer::sum);
                  examples.putIfAbsent(Status.fromThrowable(t).getCode(), String.valueOf(
                      Status.fromThrowable(t).getDescription()));
                  done.countDown();
                }

                @Override
                public void onCompleted() {
                  outcomes.merge(Status.Code.OK, 1, Integer::sum);
                  done.countDown();
                }
              });
        }
      }
      assertThat(done.await(120, TimeUnit.SECONDS)).as("all 320 puts answered").isTrue();
      channels.forEach(ManagedChannel::shutdownNow);
      System.out.printf("flood of 320 x 1 MiB puts: %s %s%n", new TreeMap<>(outcomes), examples);
      assertThat(outcomes.keySet()).isSubsetOf(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
      assertThat(outcomes.getOrDefault(Status.Code.OK, 0)).isGreaterThan(0);
      for (String id : cluster.storageNodeIds()) {
        assertThat(cluster.isRunning(id)).as(id + " alive").isTrue();
        StatsReply stats = cluster.stats(id);
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

package dev.ringkv.storage.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.SettableFuture;
import dev.ringkv.proto.ReplicaWriteBatch;
import dev.ringkv.proto.ReplicaWriteBatchReply;
import dev.ringkv.proto.ReplicaWriteReply;
import dev.ringkv.proto.ReplicaWriteRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WriteBatcherTest {

  private final List<SettableFuture<ReplicaWriteReply>> singles = new ArrayList<>();
  private final List<ReplicaWriteBatch> batches = new ArrayList<>();
  private final List<SettableFuture<ReplicaWriteBatchReply>> batchReplies = new ArrayList<>();

  private final WriteBatcher batcher = new WriteBatcher(2, 1024,
      one -> {
        SettableFuture<ReplicaWriteReply> f = SettableFuture.create();
        singles.add(f);
        return f;
      },
      batch -> {
        batches.add(batch);
        SettableFuture<ReplicaWriteBatchReply> f = SettableFuture.create();
        batchReplies.add(f);
        return f;
      });

  private static ReplicaWriteRequest write(String key) {
    return ReplicaWriteRequest.newBuilder().setKey(key).build();
  }

  @Test
  void writesGoOutAloneUntilCallsAreInFlightThenTogether() {
    CompletableFuture<Void> a = batcher.submit(write("a"));
    CompletableFuture<Void> b = batcher.submit(write("b"));
    CompletableFuture<Void> c = batcher.submit(write("c"));
    CompletableFuture<Void> d = batcher.submit(write("d"));
    assertThat(singles).as("two calls in flight at most").hasSize(2);
    assertThat(batches).isEmpty();

    singles.get(0).set(ReplicaWriteReply.getDefaultInstance());
    assertThat(a).isCompleted();
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).getWritesList()).extracting(ReplicaWriteRequest::getKey)
        .containsExactly("c", "d");

    batchReplies.get(0).set(ReplicaWriteBatchReply.newBuilder().addErrors("").addErrors("full")
        .build());
    assertThat(c).isCompleted();
    assertThat(d).isCompletedExceptionally();
    assertThat(b).isNotDone();
  }

  @Test
  void aFailedCallFailsEveryWriteItCarriedAndTheQueueMovesOn() {
    CompletableFuture<Void> a = batcher.submit(write("a"));
    batcher.submit(write("b"));
    CompletableFuture<Void> c = batcher.submit(write("c"));
    singles.get(0).setException(new RuntimeException("connection refused"));
    assertThat(a).isCompletedExceptionally();
    assertThat(c).isNotDone();
    assertThat(singles).as("c went out alone once a slot was free").hasSize(3);
    singles.get(2).set(ReplicaWriteReply.getDefaultInstance());
    assertThat(c).isCompleted();
  }
}

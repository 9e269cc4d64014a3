package dev.ringkv.storage.grpc;

import com.google.common.util.concurrent.ListenableFuture;
import dev.ringkv.proto.ReplicaWriteBatch;
import dev.ringkv.proto.ReplicaWriteBatchReply;
import dev.ringkv.proto.ReplicaWriteReply;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.storage.coordinator.UnavailableException;
import dev.ringkv.wire.GrpcFutures;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Coalesces the writes to one replica: at most {@code maxInFlight} calls are outstanding, and
 * writes that arrive meanwhile leave together in one batch when a call returns. Under light load
 * every write goes out at once, alone; under heavy load one call carries many, which saves most
 * of the per-call cost on both sides.
 */
final class WriteBatcher {

  private record Pending(ReplicaWriteRequest request, CompletableFuture<Void> done) {}

  private final int maxInFlight;
  private final int maxBatchBytes;
  private final Function<ReplicaWriteRequest, ListenableFuture<ReplicaWriteReply>> sendOne;
  private final Function<ReplicaWriteBatch, ListenableFuture<ReplicaWriteBatchReply>> sendBatch;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  WriteBatcher(int maxInFlight, int maxBatchBytes,
      Function<ReplicaWriteRequest, ListenableFuture<ReplicaWriteReply>> sendOne,
      Function<ReplicaWriteBatch, ListenableFuture<ReplicaWriteBatchReply>> sendBatch) {
    this.maxInFlight = maxInFlight;
    this.maxBatchBytes = maxBatchBytes;
    this.sendOne = sendOne;
    this.sendBatch = sendBatch;
  }

  CompletableFuture<Void> submit(ReplicaWriteRequest request) {
    Pending pending = new Pending(request, new CompletableFuture<>());
    List<Pending> batch;
    synchronized (this) {
      queue.add(pending);
      batch = takeBatchIfIdle();
    }
    send(batch);
    return pending.done();
  }

  /** The next batch to send, if a call slot is free; null otherwise. Caller holds the lock. */
  private List<Pending> takeBatchIfIdle() {
    if (inFlight >= maxInFlight || queue.isEmpty()) {
      return null;
    }
    List<Pending> batch = new ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty()) {
      int size = queue.peek().request().getSerializedSize();
      if (!batch.isEmpty() && bytes + size > maxBatchBytes) {
        break;
      }
      bytes += size;
      batch.add(queue.poll());
    }
    inFlight++;
    return batch;
  }

  private void send(List<Pending> batch) {
    if (batch == null) {
      return;
    }
    CompletableFuture<Void> call;
    if (batch.size() == 1) {
      Pending only = batch.get(0);
      call = GrpcFutures.toCompletable(sendOne.apply(only.request()))
          .thenAccept(reply -> only.done().complete(null));
    } else {
      ReplicaWriteBatch.Builder request = ReplicaWriteBatch.newBuilder();
      batch.forEach(p -> request.addWrites(p.request()));
      call = GrpcFutures.toCompletable(sendBatch.apply(request.build()))
          .thenAccept(reply -> completeEach(batch, reply));
    }
    call.whenComplete((ok, error) -> {
      if (error != null) {
        batch.forEach(p -> p.done().completeExceptionally(error));
      }
      List<Pending> next;
      synchronized (this) {
        inFlight--;
        next = takeBatchIfIdle();
      }
      send(next);
    });
  }

  private static void completeEach(List<Pending> batch, ReplicaWriteBatchReply reply) {
    for (int i = 0; i < batch.size(); i++) {
      String error = i < reply.getErrorsCount() ? reply.getErrors(i) : "no answer for this write";
      if (error.isEmpty()) {
        batch.get(i).done().complete(null);
      } else {
        batch.get(i).done().completeExceptionally(new UnavailableException(error));
      }
    }
  }
}

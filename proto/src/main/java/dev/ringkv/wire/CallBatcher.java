package dev.ringkv.wire;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Coalesces calls to one destination: at most {@code maxInFlight} calls are outstanding, and
 * items that arrive meanwhile leave together in one call when a call returns. Under light load
 * every item goes out at once, alone; under heavy load one call carries many, which saves most
 * of the per-call cost on both ends.
 *
 * @param <T> what is sent
 * @param <R> what comes back for each item
 */
public final class CallBatcher<T, R> {

  private record Pending<T, R>(T item, CompletableFuture<R> done) {}

  private final int maxInFlight;
  private final int maxBatchBytes;
  private final ToIntFunction<T> sizeOf;
  private final Function<List<T>, CompletableFuture<List<R>>> send;
  private final ArrayDeque<Pending<T, R>> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param send sends a batch of one or more items; completes with one result per item, in
   *     order, or fails for all of them
   */
  public CallBatcher(int maxInFlight, int maxBatchBytes, ToIntFunction<T> sizeOf,
      Function<List<T>, CompletableFuture<List<R>>> send) {
    this.maxInFlight = maxInFlight;
    this.maxBatchBytes = maxBatchBytes;
    this.sizeOf = sizeOf;
    this.send = send;
  }

  public CompletableFuture<R> submit(T item) {
    Pending<T, R> pending = new Pending<>(item, new CompletableFuture<>());
    List<Pending<T, R>> batch;
    synchronized (this) {
      queue.add(pending);
      batch = takeBatchIfIdle();
    }
    send(batch);
    return pending.done();
  }

  /** The next batch to send, if a call slot is free; null otherwise. Caller holds the lock. */
  private List<Pending<T, R>> takeBatchIfIdle() {
    if (inFlight >= maxInFlight || queue.isEmpty()) {
      return null;
    }
    List<Pending<T, R>> batch = new ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty()) {
      int size = sizeOf.applyAsInt(queue.peek().item());
      if (!batch.isEmpty() && bytes + size > maxBatchBytes) {
        break;
      }
      bytes += size;
      batch.add(queue.poll());
    }
    inFlight++;
    return batch;
  }

  private void send(List<Pending<T, R>> batch) {
    if (batch == null) {
      return;
    }
    List<T> items = new ArrayList<>(batch.size());
    batch.forEach(p -> items.add(p.item()));
    CompletableFuture<List<R>> call;
    try {
      call = send.apply(items);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((results, error) -> {
      for (int i = 0; i < batch.size(); i++) {
        if (error != null) {
          batch.get(i).done().completeExceptionally(error);
        } else if (i < results.size()) {
          batch.get(i).done().complete(results.get(i));
        } else {
          batch.get(i).done().completeExceptionally(
              new IllegalStateException("no result for item " + i + " of a batch"));
        }
      }
      List<Pending<T, R>> next;
      synchronized (this) {
        inFlight--;
        next = takeBatchIfIdle();
      }
      send(next);
    });
  }
}

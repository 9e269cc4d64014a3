package dev.ringkv.storage.hints;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.ReplicaClient;
import dev.ringkv.storage.engine.Hint;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.metrics.NodeCounters;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of hinted handoff: for every node this one holds hints for and the table shows UP,
 * sends the hinted records in batches and deletes each hint once its target acknowledged it.
 * Hints older than half the tombstone grace are dropped instead: the target would refuse them
 * (see {@link TombstoneGrace}). Scheduled by its owner; a pass stops at a target's first failure
 * and retries next time.
 */
public final class HintDelivery implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(HintDelivery.class);
  private static final int BATCH = 256;

  private final StorageEngine engine;
  private final TombstoneGrace grace;
  private final NodeCounters counters;
  private final ReplicaClient replicas;
  private final Supplier<RingTable> tables;
  private final LongSupplier hintsStoredSinceLastPass;
  private final Set<String> pausedTargets = new HashSet<>(); // logged once per failed stretch

  public HintDelivery(StorageEngine engine, ReplicaClient replicas, Supplier<RingTable> tables,
      LongSupplier hintsStoredSinceLastPass, NodeCounters counters, TombstoneGrace grace) {
    this.grace = grace;
    this.counters = counters;
    this.engine = engine;
    this.replicas = replicas;
    this.tables = tables;
    this.hintsStoredSinceLastPass = hintsStoredSinceLastPass;
  }

  @Override
  public void run() {
    long stored = hintsStoredSinceLastPass.getAsLong();
    if (stored > 0) {
      log.info("stored {} hints for replicas that missed writes; holding {} in all", stored,
          engine.hintCount());
    }
    RingTable table = tables.get();
    for (String target : engine.hintTargets()) {
      Optional<Node> node = table.node(target);
      if (node.isEmpty()) {
        log.warn("dropping hints for {}: it is not in the table", target);
        List<Hint> dropped = engine.hintsFor(target, Integer.MAX_VALUE);
        dropped.forEach(engine::removeHint);
        counters.hintsDropped(target, dropped.size());
      } else if (node.get().isUp()) {
        deliverTo(node.get());
      }
    }
  }

  private void deliverTo(Node target) {
    long delivered = 0;
    while (true) {
      List<Hint> batch = engine.hintsFor(target.id(), BATCH);
      if (batch.isEmpty()) {
        break;
      }
      List<Hint> expired = batch.stream()
          .filter(h -> grace.isPastHorizon(h.record().version())).toList();
      if (!expired.isEmpty()) {
        expired.forEach(engine::removeHint);
        counters.hintsDropped(target.id(), expired.size());
        log.info("dropped {} hints for {} older than half the tombstone grace ({} s)",
            expired.size(), target.id(), grace.grace().toSeconds());
        continue;
      }
      CompletableFuture<?>[] sends = batch.stream()
          .map(h -> replicas.write(target, h.key(), h.record(), null)
              .thenRun(() -> engine.removeHint(h)))
          .toArray(CompletableFuture[]::new);
      try {
        CompletableFuture.allOf(sends).get(30, TimeUnit.SECONDS);
        delivered += batch.size();
        counters.hintsDelivered(target.id(), batch.size());
      } catch (ExecutionException | TimeoutException e) {
        if (pausedTargets.add(target.id())) {
          log.info("hint delivery to {} paused after {} hints: {}", target.id(), delivered,
              e.getMessage());
        }
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    pausedTargets.remove(target.id());
    if (delivered > 0) {
      log.info("delivered {} hints to {}", delivered, target.id());
    }
  }
}

package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.metrics.NodeCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of range sync: pulls every pending range from all its live peers, several ranges at
 * a time. For each peer it compares digests; only on a mismatch does it list the peer's versions
 * and fetch the records that are newer there. A range counts as caught up only if one of the
 * peers could vouch for it (see {@link SyncState}); otherwise it stays pending, and reads of it
 * fail retryably rather than miss what the DOWN replicas hold. Scheduled by its owner, and run at
 * once when a new table arrives.
 */
public final class RangeSync implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(RangeSync.class);
  private static final int FETCH_BATCH = 500;
  private static final int MAX_RANGES_IN_FLIGHT = 32;

  private final SyncState state;
  private final StorageEngine engine;
  private final LocalReplica local;
  private final PeerSyncClient peers;
  private final Supplier<RingTable> tables;
  private final long callTimeoutMs;
  private final BiConsumer<String, Record> check;
  private final NodeCounters counters;

  /**
   * @param check refuses, by throwing {@link IllegalArgumentException}, a record a peer sent
   *     that this node would not take from a client (too large, or versioned far ahead)
   */
  public RangeSync(SyncState state, StorageEngine engine, LocalReplica local, PeerSyncClient peers,
      Supplier<RingTable> tables, long callTimeoutMs, BiConsumer<String, Record> check,
      NodeCounters counters) {
    this.counters = counters;
    this.check = check;
    this.state = state;
    this.engine = engine;
    this.local = local;
    this.peers = peers;
    this.tables = tables;
    this.callTimeoutMs = callTimeoutMs;
  }

  @Override
  public void run() {
    Map<TokenRange, Long> pending = state.pending();
    if (pending.isEmpty()) {
      return;
    }
    RingTable table = tables.get();
    Semaphore inFlight = new Semaphore(MAX_RANGES_IN_FLIGHT);
    List<CompletableFuture<Long>> pulls = new ArrayList<>();
    AtomicInteger caughtUp = new AtomicInteger();
    AtomicInteger unvouched = new AtomicInteger();
    for (Map.Entry<TokenRange, Long> e : pending.entrySet()) {
      TokenRange range = e.getKey();
      if (!state.isPending(range, e.getValue())) {
        continue; // a newer table changed this range while the pass was running
      }
      try {
        inFlight.acquire();
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
      CompletableFuture<Pull> pull = pullRange(table, range)
          .orTimeout(callTimeoutMs * 4, TimeUnit.MILLISECONDS)
          .whenComplete((result, error) -> {
            inFlight.release();
            if (error != null) {
              log.debug("pull of range {} failed, will retry: {}", range, error.toString());
            } else if (!result.vouched()) {
              unvouched.incrementAndGet();
            } else {
              state.pulled(range, e.getValue());
              caughtUp.incrementAndGet();
            }
          });
      pulls.add(pull.thenApply(Pull::fetched).exceptionally(error -> 0L));
    }
    long fetched = pulls.stream().mapToLong(CompletableFuture::join).sum();
    counters.recordsPulled(fetched);
    if (caughtUp.get() > 0) {
      log.info("range sync: caught up on {} of {} pending ranges, {} records pulled from peers{}",
          caughtUp.get(), pending.size(), fetched,
          state.allCaughtUp() ? "; all ranges caught up" : "");
    }
    if (unvouched.get() > 0) {
      log.debug("range sync: {} ranges have no live peer that could vouch for them (a home "
          + "replica or a caught-up node); they stay pending", unvouched.get());
    }
  }

  /** What pulling one range from its peers brought, and whether one of them could vouch. */
  private record Pull(long fetched, boolean vouched) {
    Pull plus(Pull other) {
      return new Pull(fetched + other.fetched, vouched || other.vouched);
    }
  }

  /** Pulls {@code range} from every live peer. */
  private CompletableFuture<Pull> pullRange(RingTable table, TokenRange range) {
    long digest = RangeDigest.of(engine, range);
    CompletableFuture<Pull> total = CompletableFuture.completedFuture(new Pull(0, false));
    for (Node peer : state.peersFor(table, range)) {
      boolean home = SyncState.isHome(table, range, peer.id());
      CompletableFuture<Pull> fromPeer = peers.summary(peer, range, digest)
          .thenCompose(summary -> fetchNewer(peer, summary)
              .thenApply(fetched -> new Pull(fetched, home || summary.peerCaughtUp())));
      total = total.thenCombine(fromPeer, Pull::plus);
    }
    return total;
  }

  private CompletableFuture<Long> fetchNewer(Node peer, RangeSummary summary) {
    if (summary.inSync()) {
      return CompletableFuture.completedFuture(0L);
    }
    List<String> wanted = new ArrayList<>();
    for (KeyVersion kv : summary.entries()) {
      Optional<Record> mine = engine.get(kv.key());
      if (mine.isEmpty() || kv.version().isNewerThan(mine.get().version())) {
        wanted.add(kv.key());
      }
    }
    CompletableFuture<Long> done = CompletableFuture.completedFuture(0L);
    for (int from = 0; from < wanted.size(); from += FETCH_BATCH) {
      List<String> batch = wanted.subList(from, Math.min(wanted.size(), from + FETCH_BATCH));
      done = done.thenCompose(count -> peers.readMany(peer, batch).thenApply(records -> {
        long stored = 0;
        for (Map.Entry<String, Record> e : records.entrySet()) {
          try {
            check.accept(e.getKey(), e.getValue());
          } catch (IllegalArgumentException refused) {
            log.warn("range sync: refused a record from {}: {}", peer.id(), refused.getMessage());
            continue;
          }
          local.store(e.getKey(), e.getValue(), null);
          stored++;
        }
        return count + stored;
      }));
    }
    return done;
  }
}

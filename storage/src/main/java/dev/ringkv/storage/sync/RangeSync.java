package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.storage.sync.PeerSyncClient.DigestCheck;
import java.util.ArrayList;
import java.util.HashMap;
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
 * a time. It first asks each peer, in one call, which of the ranges they share it holds exactly
 * as this node does (digests); only for a range that differs does it narrow the difference down
 * ({@link RangeNarrowing}), list the peer's versions there and fetch the records that are newer
 * there. A range counts as caught up only if one of the
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
      counters.fullSyncPass();
      return;
    }
    RingTable table = tables.get();
    Map<TokenRange, RangeDigest.Summary> mine = new HashMap<>();
    Map<TokenRange, Long> digests = new HashMap<>();
    pending.keySet().forEach(range -> {
      RangeDigest.Summary summary = RangeDigest.summarize(engine, range);
      mine.put(range, summary);
      digests.put(range, summary.digest());
    });
    Map<String, Map<TokenRange, DigestCheck>> checks = checkDigests(table, digests);
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
      CompletableFuture<Pull> pull = pullRange(table, range, mine.get(range).keys(), checks)
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
    if (state.allCaughtUp()) {
      counters.fullSyncPass();
    }
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

  /**
   * Asks each peer, in one call per {@link PeerSyncClient#MAX_DIGEST_RANGES} ranges, which of
   * the pending ranges it shares it holds exactly as this node does: those need no listing. A
   * peer that does not answer is left out; its ranges are then narrowed down from the top.
   *
   * @return by peer id, the answer for each range asked
   */
  private Map<String, Map<TokenRange, DigestCheck>> checkDigests(RingTable table,
      Map<TokenRange, Long> digests) {
    Map<Node, Map<TokenRange, Long>> byPeer = new HashMap<>();
    digests.forEach((range, digest) -> state.peersFor(table, range).forEach(peer ->
        byPeer.computeIfAbsent(peer, p -> new HashMap<>()).put(range, digest)));
    Map<String, CompletableFuture<Map<TokenRange, DigestCheck>>> asked = new HashMap<>();
    byPeer.forEach((peer, ranges) -> {
      CompletableFuture<Map<TokenRange, DigestCheck>> all =
          CompletableFuture.completedFuture(new HashMap<>());
      List<Map.Entry<TokenRange, Long>> entries = new ArrayList<>(ranges.entrySet());
      for (int from = 0; from < entries.size(); from += PeerSyncClient.MAX_DIGEST_RANGES) {
        Map<TokenRange, Long> chunk = new HashMap<>();
        entries.subList(from, Math.min(entries.size(), from + PeerSyncClient.MAX_DIGEST_RANGES))
            .forEach(e -> chunk.put(e.getKey(), e.getValue()));
        all = all.thenCombine(peers.digests(peer, chunk), (sum, part) -> {
          sum.putAll(part);
          return sum;
        });
      }
      asked.put(peer.id(), all.orTimeout(callTimeoutMs * 4, TimeUnit.MILLISECONDS));
    });
    Map<String, Map<TokenRange, DigestCheck>> checks = new HashMap<>();
    asked.forEach((peerId, answer) -> {
      try {
        checks.put(peerId, answer.join());
      } catch (RuntimeException e) {
        log.debug("digest check with {} failed; its ranges are narrowed down from the top: {}",
            peerId, e.toString());
      }
    });
    return checks;
  }

  /**
   * Pulls {@code range}, where this node holds {@code localKeys} keys, from every live peer; a
   * peer whose digest matched ({@code checks}) is taken at its word without another call.
   */
  private CompletableFuture<Pull> pullRange(RingTable table, TokenRange range, long localKeys,
      Map<String, Map<TokenRange, DigestCheck>> checks) {
    CompletableFuture<Pull> total = CompletableFuture.completedFuture(new Pull(0, false));
    for (Node peer : state.peersFor(table, range)) {
      boolean home = SyncState.isHome(table, range, peer.id());
      DigestCheck check = checks.getOrDefault(peer.id(), Map.of()).get(range);
      CompletableFuture<Pull> fromPeer;
      if (check != null && check.inSync()) {
        fromPeer = CompletableFuture.completedFuture(new Pull(0, home || check.peerCaughtUp()));
      } else {
        // Without the peer's answer to the batched check, its key count is unknown: narrowing
        // starts from the top, and only a home replica vouches.
        long peerKeys = check != null ? check.peerKeys() : Long.MAX_VALUE;
        boolean vouches = home || (check != null && check.peerCaughtUp());
        fromPeer = RangeNarrowing.differing(engine, peers, peer, range, localKeys, peerKeys)
            .thenCompose(entries -> fetchNewer(peer, entries))
            .thenApply(fetched -> new Pull(fetched, vouches));
      }
      total = total.thenCombine(fromPeer, Pull::plus);
    }
    return total;
  }

  /** Fetches from {@code peer} the records of {@code entries} newer there than here. */
  private CompletableFuture<Long> fetchNewer(Node peer, List<KeyVersion> entries) {
    List<String> wanted = new ArrayList<>();
    for (KeyVersion kv : entries) {
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
          local.storeCopy(e.getKey(), e.getValue());
          stored++;
        }
        return count + stored;
      }));
    }
    return done;
  }
}

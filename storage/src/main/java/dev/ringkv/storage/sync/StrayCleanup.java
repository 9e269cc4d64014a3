package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.Version;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands over and drops the copies this node keeps of ranges it does not serve: writes it took as
 * a fallback for a DOWN replica, ranges it pulled while standing in for one, and, when it is
 * being decommissioned (LEAVING), everything it holds. Such a copy is surplus once every home
 * replica of its range holds the key at the same version or a newer one; it is then deleted,
 * unless it changed since it was compared. Each home replica must name its version of the key
 * (asked for this node's keys only, a few hundred per call, never a whole range's listing): a
 * claim that a range is "in sync" is never taken for proof. A home replica that lacks the key
 * (or holds an older version) is sent this node's copy, and the next pass checks again; but a
 * copy older than the tombstone grace is not sent to a home replica that lacks it (the key may
 * have been deleted and its tombstone purged since: sending it would bring it back), and counts
 * as covered there. The copies sent are handed over: the replica takes them whatever their age
 * ({@link TombstoneGrace}).
 *
 * <p>A pass does nothing while any node is DOWN (this node may be standing in for it) or while
 * this node has not caught up, so a copy that may still be needed is never dropped.
 */
public final class StrayCleanup implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(StrayCleanup.class);

  private final String selfId;
  private final SyncState state;
  private final StorageEngine engine;
  private final PeerSyncClient peers;
  private final TombstoneGrace grace;
  private final Supplier<RingTable> tables;
  private final long callTimeoutMs;
  private final NodeCounters counters;

  /**
   * @param peers tells the versions the home replicas hold of this node's keys, and takes the
   *     copies they lack
   * @param grace copies older than it are not sent to a replica lacking them
   */
  public StrayCleanup(String selfId, SyncState state, StorageEngine engine, PeerSyncClient peers,
      Supplier<RingTable> tables, long callTimeoutMs, NodeCounters counters,
      TombstoneGrace grace) {
    this.grace = grace;
    this.counters = counters;
    this.selfId = selfId;
    this.state = state;
    this.engine = engine;
    this.peers = peers;
    this.tables = tables;
    this.callTimeoutMs = callTimeoutMs;
  }

  @Override
  public void run() {
    RingTable table = tables.get();
    if (table.epoch() == 0 || !state.allCaughtUp()
        || table.nodes().stream().anyMatch(n -> n.state() == NodeState.DOWN)) {
      return;
    }
    long dropped = 0;
    for (TokenRange range : table.ranges()) {
      List<Node> home = table.homeReplicas(range.end());
      if (home.stream().anyMatch(n -> n.id().equals(selfId))) {
        continue;
      }
      Map<String, Version> held = new HashMap<>();
      engine.scan(range, (key, record) -> held.put(key, record.version()));
      if (!held.isEmpty()) {
        dropped += handOver(range, home, held);
      }
    }
    counters.strayCopiesDropped(dropped);
    if (dropped > 0) {
      log.info("dropped {} copies of keys this node does not serve; their home replicas hold them",
          dropped);
    }
  }

  /**
   * Deletes the keys of {@code held} that every home replica holds as new or newer, and sends
   * the others to the home replicas that lack them.
   */
  private long handOver(TokenRange range, List<Node> home, Map<String, Version> held) {
    Map<String, Version> covered = new HashMap<>(held);
    Map<Node, List<String>> lacking = new LinkedHashMap<>();
    List<String> keys = List.copyOf(held.keySet());
    for (Node replica : home) {
      Map<String, Version> theirs = new HashMap<>();
      try {
        for (int from = 0; from < keys.size(); from += PeerSyncClient.MAX_VERSION_KEYS) {
          theirs.putAll(peers.versions(replica, keys.subList(from,
                  Math.min(keys.size(), from + PeerSyncClient.MAX_VERSION_KEYS)))
              .get(callTimeoutMs * 4, TimeUnit.MILLISECONDS));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      } catch (ExecutionException | TimeoutException e) {
        log.debug("cleanup of range {}: {} did not answer ({}); keeping the copies", range,
            replica.id(), e.toString());
        return 0;
      }
      held.forEach((key, version) -> {
        Version their = theirs.get(key);
        boolean leftover = their == null && grace.isPastGrace(version);
        if (!leftover && (their == null || version.isNewerThan(their))) {
          covered.remove(key);
          lacking.computeIfAbsent(replica, r -> new ArrayList<>()).add(key);
        }
      });
    }
    long dropped = 0;
    for (Map.Entry<String, Version> e : covered.entrySet()) {
      if (engine.removeIfAt(e.getKey(), e.getValue())) {
        dropped++;
      }
    }
    send(range, lacking);
    return dropped;
  }

  /** Sends each home replica this node's copies of the keys it lacks; waits for the answers. */
  private void send(TokenRange range, Map<Node, List<String>> lacking) {
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    lacking.forEach((replica, keys) -> keys.forEach(key -> engine.get(key).ifPresent(record ->
        sends.add(peers.handOver(replica, key, record)))));
    if (sends.isEmpty()) {
      return;
    }
    try {
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
          .get(callTimeoutMs * 4, TimeUnit.MILLISECONDS);
      counters.strayCopiesSent(sends.size());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("handing over range {}: not every copy arrived ({}); the next pass tries again",
          range, e.toString());
    }
  }
}

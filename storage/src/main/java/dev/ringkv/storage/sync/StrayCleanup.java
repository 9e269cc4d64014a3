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
 * (or holds an older version) is sent this node's copy, and the next pass checks again. The
 * copies sent are handed over: the replica takes them whatever their age ({@link TombstoneGrace}).
 *
 * <p>What this node may hand over is bounded by how long it has missed the deletes of a range,
 * not by how old its copy is. A leaving node served its ranges until it turned LEAVING; deletes
 * since then went to the new replicas, whose tombstones are purged a grace later. So for half
 * the grace after it turned LEAVING, it hands over every copy a new replica lacks, however old
 * (at replication 1 it holds the only one), counted from when it first saw that, also across
 * restarts ({@link LeavingMark}). After that, a copy a replica lacks is kept, neither sent nor
 * dropped, and the pass logs it and reports it: the operator decides. A stand-in's copy older
 * than the grace is not sent to a home replica that lacks it (the key may have been deleted and
 * its tombstone purged since: sending it would bring it back), and counts as covered there: a
 * write the stand-in took is no younger than the time it has missed the key's deletes, and a copy
 * it pulled is held by the replicas it pulled it from.
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
  private final LeavingMark leavingMark;
  private long leavingSinceMs = -1; // when this node first saw itself LEAVING; -1: it is not
  private long keptTooLate; // copies a leaving node kept in this pass: too late to hand over

  /**
   * @param peers tells the versions the home replicas hold of this node's keys, and takes the
   *     copies they lack
   * @param grace copies older than it are not sent to a replica lacking them
   * @param leavingMark when this node first saw itself LEAVING, kept across restarts
   */
  public StrayCleanup(String selfId, SyncState state, StorageEngine engine, PeerSyncClient peers,
      Supplier<RingTable> tables, long callTimeoutMs, NodeCounters counters,
      TombstoneGrace grace, LeavingMark leavingMark) {
    this.grace = grace;
    this.leavingMark = leavingMark;
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
    if (table.node(selfId).map(n -> n.state() == NodeState.LEAVING).orElse(false)) {
      leavingSinceMs = leavingMark.leavingSince(grace.nowMs());
    } else if (table.epoch() > 0) {
      leavingMark.clear();
      leavingSinceMs = -1;
    }
    if (table.epoch() == 0 || !state.allCaughtUp()
        || table.nodes().stream().anyMatch(n -> n.state() == NodeState.DOWN)) {
      return;
    }
    long dropped = 0;
    keptTooLate = 0;
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
    counters.strayCopiesKept(keptTooLate);
    if (keptTooLate > 0) {
      log.warn("kept {} copies that their new replicas lack: this node has been LEAVING for more "
          + "than half the tombstone grace ({} s), so it may have missed their deletes and "
          + "hands them over no more; the decommission cannot finish: stop this node and remove "
          + "it (scripts/admin removenode) to go on without them",
          keptTooLate, grace.grace().toSeconds());
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
        if (their != null && !version.isNewerThan(their)) {
          return; // covered there
        }
        if (their == null && !mayHandOver(version)) {
          if (isLeaving() && covered.remove(key) != null) {
            keptTooLate++;
          }
          return; // a stand-in's copy: counts as covered
        }
        covered.remove(key);
        lacking.computeIfAbsent(replica, r -> new ArrayList<>()).add(key);
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

  /** Whether a copy at {@code version} may go to a replica that lacks the key. */
  private boolean mayHandOver(Version version) {
    return isLeaving() ? !grace.isPastHorizonSince(leavingSinceMs) : !grace.isPastGrace(version);
  }

  private boolean isLeaving() {
    return leavingSinceMs >= 0;
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

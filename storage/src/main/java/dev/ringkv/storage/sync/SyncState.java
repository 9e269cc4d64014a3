package dev.ringkv.storage.sync;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Which ranges this node has caught up on. A range is caught up once the node has pulled it from
 * every live peer of the range since it last joined the range's preference list, at least one of
 * which could vouch for the range: a home replica of it, or a node caught up on it itself (two
 * stand-ins that only ever synced with each other prove nothing). Kept in memory only: after a
 * restart nothing is caught up until pulled again, which is the safe default.
 *
 * <p>On every table the node adopts, ranges it newly serves become pending and not caught up;
 * ranges whose peers came back UP become pending again but stay caught up (the node missed
 * nothing that was acknowledged; it only collects what the returning peer alone holds). A table
 * with a new incarnation of this node means the manager declared it DOWN meanwhile, perhaps in a
 * table this node never saw: it may have missed writes, so every range starts over.
 */
public final class SyncState {

  private final String selfId;
  private final Supplier<RingTable> tables;
  private final KeyHasher hasher;
  private final Set<TokenRange> caughtUp = ConcurrentHashMap.newKeySet();
  // A range's generation grows each time it becomes pending, so a pull that started before a
  // newer reason to pull cannot clear it.
  private final Map<TokenRange, Long> pending = new ConcurrentHashMap<>();
  private long generation;
  // The table the pending ranges were worked out for; the node adopts a table before this
  // state has seen it.
  private volatile RingTable previous;
  private long incarnation = -1; // this node's, in the table its caught-up ranges date from

  public SyncState(String selfId, Supplier<RingTable> tables, KeyHasher hasher) {
    this.selfId = selfId;
    this.tables = tables;
    this.hasher = hasher;
  }

  /** Recomputes the work to do for a newly adopted table. */
  public synchronized void onTable(RingTable table) {
    long mine = table.node(selfId).map(Node::incarnation).orElse(-1L);
    if (mine != incarnation) {
      caughtUp.clear();
      incarnation = mine;
    }
    Set<TokenRange> current = new HashSet<>();
    for (TokenRange range : table.ranges()) {
      current.add(range);
      if (!serves(table, range)) {
        caughtUp.remove(range);
        pending.remove(range);
      } else if (peersFor(table, range).isEmpty() && isHome(table, range)) {
        caughtUp.add(range); // nobody to pull from: what this node holds is all there is
        pending.remove(range);
      } else if (!caughtUp.contains(range) || peerCameBack(table, range)) {
        pending.put(range, ++generation);
      }
    }
    caughtUp.retainAll(current);
    pending.keySet().retainAll(current);
    previous = table;
  }

  /**
   * Makes every range this node serves pending again (an operator's repair), without making any
   * less caught up: the node missed nothing acknowledged, the pass only collects what a peer
   * alone holds.
   *
   * @return how many ranges are pending now
   */
  public synchronized int repairAll() {
    RingTable table = tables.get();
    for (TokenRange range : table.ranges()) {
      if (serves(table, range) && !peersFor(table, range).isEmpty()) {
        pending.put(range, ++generation);
      }
    }
    return pending.size();
  }

  /** Whether this node's answers for {@code key} count toward a read quorum. */
  public boolean isCaughtUp(String key) {
    RingTable table = tables.get();
    return !table.nodes().isEmpty() && caughtUp.contains(table.rangeOf(hasher.hash(key)));
  }

  /** Whether this node has caught up on {@code range}, so a peer may sync from it. */
  public boolean isCaughtUpOn(TokenRange range) {
    return caughtUp.contains(range);
  }

  /** Ranges to pull, with the generation to hand back to {@link #pulled}. */
  public Map<TokenRange, Long> pending() {
    return Map.copyOf(pending);
  }

  /** Whether {@code range} still waits for the pull that began at {@code generation}. */
  public boolean isPending(TokenRange range, long generation) {
    Long current = pending.get(range);
    return current != null && current == generation;
  }

  /** Records a successful pull of {@code range} started at {@code generation}. */
  public synchronized void pulled(TokenRange range, long startedAt) {
    if (pending.remove(range, startedAt)) {
      caughtUp.add(range);
    }
  }

  /**
   * Whether nothing is pending for the table in use. Not before this state has worked out that
   * table's ranges: a node that adopted a table a moment ago has nothing pending yet.
   */
  public boolean allCaughtUp() {
    RingTable seen = previous;
    return seen != null && seen == tables.get() && pending.isEmpty();
  }

  /** The live nodes to pull {@code range} from: its UP home replicas and preference list. */
  public List<Node> peersFor(RingTable table, TokenRange range) {
    Set<Node> peers = new LinkedHashSet<>();
    for (Node n : table.homeReplicas(range.end())) {
      if (n.isUp() && !n.id().equals(selfId)) {
        peers.add(n);
      }
    }
    for (Placement p : table.preferenceList(range.end())) {
      if (!p.node().id().equals(selfId)) {
        peers.add(p.node());
      }
    }
    return List.copyOf(peers);
  }

  /** Whether {@code nodeId} is one of {@code range}'s home replicas, so it vouches for it. */
  public static boolean isHome(RingTable table, TokenRange range, String nodeId) {
    return table.homeReplicas(range.end()).stream().anyMatch(n -> n.id().equals(nodeId));
  }

  private boolean isHome(RingTable table, TokenRange range) {
    return isHome(table, range, selfId);
  }

  private boolean serves(RingTable table, TokenRange range) {
    return table.preferenceList(range.end()).stream()
        .anyMatch(p -> p.node().id().equals(selfId));
  }

  private boolean peerCameBack(RingTable table, TokenRange range) {
    if (previous == null || !previous.clusterId().equals(table.clusterId())) {
      return true;
    }
    for (Node peer : peersFor(table, range)) {
      boolean wasUp = previous.node(peer.id()).map(Node::isUp).orElse(false);
      if (!wasUp) {
        return true;
      }
    }
    return false;
  }
}

package dev.ringkv.manager.membership;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authoritative membership of one cluster. Every change (a node joins, moves, goes DOWN or
 * comes back UP) is saved and published as a new table with the next epoch. A node keeps its
 * tokens for life, so a restarted node owns the same ranges. New ids join only as the
 * {@link JoinPolicy} allows, and an id that is UP at one address cannot be taken by a process at
 * another until the first has been silent for a failure timeout. The operator's changes
 * (decommission, removal, replacement) are here too: every membership rule lives in this one
 * class, under one lock, so that each change is checked, saved and published as one epoch. That
 * is why it is longer than most.
 */
public final class Membership {

  private static final Logger log = LoggerFactory.getLogger(Membership.class);

  private final int tokensPerNode;
  private final long failureTimeoutMs;
  private final LongSupplier clockMs;
  private final StateStore store;
  private final JoinPolicy joins;
  private final Map<String, Long> lastBeatMs = new HashMap<>();
  private final Map<NodeState, Long> stateChanges = new EnumMap<>(NodeState.class);
  private volatile RingTable table;

  private Membership(RingTable initial, int tokensPerNode, long failureTimeoutMs,
      LongSupplier clockMs, StateStore store, JoinPolicy joins) {
    this.table = initial;
    this.joins = joins;
    this.tokensPerNode = tokensPerNode;
    this.failureTimeoutMs = failureTimeoutMs;
    this.clockMs = clockMs;
    this.store = store;
    serving();
  }

  /**
   * Loads the saved membership, or starts a new cluster if the store is empty.
   *
   * @throws IllegalStateException if the saved cluster has another replication factor
   */
  public static Membership open(StateStore store, int replicationFactor, int tokensPerNode,
      long failureTimeoutMs, LongSupplier clockMs, JoinPolicy joins) throws IOException {
    RingTable initial = store.load().orElse(null);
    if (initial == null) {
      initial = RingTable.empty(UUID.randomUUID().toString(), replicationFactor);
      store.save(null, initial);
      log.info("started cluster {} with replication factor {}", initial.clusterId(),
          replicationFactor);
    } else if (initial.replicationFactor() != replicationFactor) {
      throw new IllegalStateException("the data dir holds a cluster with replication factor "
          + initial.replicationFactor() + ", but replication factor " + replicationFactor
          + " was asked for");
    } else {
      log.info("loaded cluster {} at epoch {} with {} nodes", initial.clusterId(),
          initial.epoch(), initial.nodes().size());
    }
    Membership membership =
        new Membership(initial, tokensPerNode, failureTimeoutMs, clockMs, store, joins);
    if (!initial.nodes().isEmpty()) {
      membership.publishRestart();
    }
    return membership;
  }

  /**
   * Starts every known node's failure timeout afresh. Call it once the manager can be reached:
   * a node can only prove it is alive from then on, so nobody is declared DOWN for the time the
   * manager spent loading its state or starting its server.
   */
  public synchronized void serving() {
    long now = clockMs.getAsLong();
    table.nodes().forEach(n -> lastBeatMs.put(n.id(), now));
  }

  /** A restart is a membership event too: the new incarnation speaks with a new epoch. */
  private synchronized void publishRestart() {
    publish(nodesById());
  }

  public RingTable table() {
    return table;
  }

  /** Milliseconds since each member's last heartbeat (or registration), by node id. */
  public synchronized Map<String, Long> heartbeatAgesMs() {
    long now = clockMs.getAsLong();
    Map<String, Long> ages = new TreeMap<>();
    table.nodes().forEach(n -> ages.put(n.id(), now - lastBeatMs.getOrDefault(n.id(), now)));
    return ages;
  }

  /** A node's {@code maxDownMs} that takes it back however long it was DOWN. */
  public static final long NO_LIMIT = 0;

  /** As {@link #register(String, String, String, long)}, replacing nobody, with no limit. */
  public RingTable register(String nodeId, String address) {
    return register(nodeId, address, null, NO_LIMIT);
  }

  /** As {@link #register(String, String, String, long)}, with no limit. */
  public RingTable register(String nodeId, String address, String replaces) {
    return register(nodeId, address, replaces, NO_LIMIT);
  }

  /**
   * Admits a node (a new id gets fresh tokens, or those of the DOWN node it {@code replaces}; a
   * known id keeps its own) and marks it UP. A replaced node leaves the ring in the same epoch.
   *
   * @param maxDownMs how long a known id may have been DOWN and still be taken back
   *     ({@link #NO_LIMIT}: however long)
   * @throws RefusedChangeException if the id is new and joins are closed or the cluster
   *     is full, the id is UP at another address, or the node to replace is unknown or not DOWN
   * @throws AwayTooLongException if the id was DOWN for longer than {@code maxDownMs}
   */
  public synchronized RingTable register(String nodeId, String address, String replaces,
      long maxDownMs) {
    Map<String, Node> nodes = nodesById();
    Node existing = nodes.get(nodeId);
    checkNotTaken(existing, address);
    Node updated;
    if (existing == null) {
      if (!joins.allowJoin()) {
        throw new RefusedChangeException("node " + nodeId + " is not a member of this "
            + "cluster, and the manager admits no new nodes (start it with --allow-join)");
      }
      if (replaces != null) {
        Node replaced = known(nodes, replaces);
        if (replaced.state() != NodeState.DOWN) {
          throw new RefusedChangeException(replaces + " is " + replaced.state() + ": only a "
              + "DOWN node can be replaced");
        }
        nodes.remove(replaces);
        lastBeatMs.remove(replaces);
        updated = new Node(nodeId, address, NodeState.UP, replaced.tokens());
        log.info("node {} joined at {} in place of {}, with its tokens", nodeId, address,
            replaces);
      } else {
        updated = joining(nodes, nodeId, address);
      }
    } else {
      updated = upAgain(existing, maxDownMs).withAddress(address);
      if (!updated.equals(existing)) {
        log.info("node {} re-registered at {}", nodeId, address);
      }
    }
    lastBeatMs.put(nodeId, clockMs.getAsLong());
    return publishIfChanged(nodes, existing, updated);
  }

  /** A new node with fresh tokens, if the cluster has room for it. */
  private Node joining(Map<String, Node> nodes, String nodeId, String address) {
    if (nodes.size() >= joins.maxNodes()) {
      throw new RefusedChangeException("the cluster is full: it has " + nodes.size()
          + " nodes, the most the manager allows (--max-nodes)");
    }
    Map<String, List<Long>> owned = new LinkedHashMap<>();
    nodes.values().forEach(n -> owned.put(n.id(), n.tokens()));
    // Each cluster rotates its ring by its own id, so no two clusters place keys alike.
    long rotation = KeyHasher.murmur3().hash(table.clusterId());
    log.info("node {} joined at {} with {} tokens", nodeId, address, tokensPerNode);
    return new Node(nodeId, address, NodeState.UP,
        TokenAllocator.allocate(owned, tokensPerNode, rotation, table.replicationFactor()));
  }

  /** As {@link #heartbeat(String, String, long)}, with no limit. */
  public RingTable heartbeat(String nodeId, String address) {
    return heartbeat(nodeId, address, NO_LIMIT);
  }

  /**
   * Records a heartbeat; a DOWN node that beats again is UP.
   *
   * @param maxDownMs how long the node may have been DOWN and still be taken back
   *     ({@link #NO_LIMIT}: however long)
   * @throws UnknownNodeException if the node never registered
   * @throws AwayTooLongException if the node was DOWN for longer than {@code maxDownMs}
   */
  public synchronized RingTable heartbeat(String nodeId, String address, long maxDownMs) {
    Map<String, Node> nodes = nodesById();
    Node existing = nodes.get(nodeId);
    if (existing == null) {
      throw new UnknownNodeException(nodeId);
    }
    checkNotTaken(existing, address);
    Node updated = upAgain(existing, maxDownMs).withAddress(address);
    lastBeatMs.put(nodeId, clockMs.getAsLong());
    if (!existing.isUp()) {
      log.info("node {} is UP again (incarnation {})", nodeId, updated.incarnation());
    }
    return publishIfChanged(nodes, existing, updated);
  }

  /** Refuses a second process for an id whose first process still beats from elsewhere. */
  private void checkNotTaken(Node existing, String address) {
    if (existing == null || !existing.isUp() || existing.address().equals(address)) {
      return;
    }
    long silentMs = clockMs.getAsLong() - lastBeatMs.getOrDefault(existing.id(), 0L);
    if (silentMs <= failureTimeoutMs) {
      throw new RefusedChangeException("node " + existing.id() + " is UP at "
          + existing.address() + " (heard from " + silentMs + " ms ago); another process at "
          + address + " cannot take its id before it has been silent for " + failureTimeoutMs
          + " ms");
    }
  }

  /**
   * A DOWN node that is heard from again starts a new incarnation; an UP or LEAVING one stays as
   * it is. A node DOWN for longer than it may be is refused here, when it would come back, and
   * not by the node itself: a node cannot know how long it was away (it may have been paused
   * between looking and beating), and the manager knows it at this very moment.
   */
  private Node upAgain(Node existing, long maxDownMs) {
    if (existing.state() != NodeState.DOWN) {
      return existing;
    }
    long downForMs = clockMs.getAsLong() - existing.downSinceMs();
    if (maxDownMs != NO_LIMIT && existing.downSinceMs() > 0 && downForMs > maxDownMs) {
      log.warn("node {} was DOWN for {} ms, longer than the {} ms it may be away: it stays "
          + "DOWN until it starts over empty", existing.id(), downForMs, maxDownMs);
      throw new AwayTooLongException(existing.id(), downForMs, maxDownMs);
    }
    return existing.revived();
  }

  /**
   * Takes a DOWN node out of the ring for good (an operator's {@code removenode}): its ranges
   * pass to their next replicas, which pull them from the remaining ones. Also the last step of
   * a decommission, for a LEAVING node that has handed its keys over.
   *
   * @throws RefusedChangeException if the node is unknown or UP, or too few nodes would remain
   */
  public synchronized RingTable removeNode(String nodeId) {
    Map<String, Node> nodes = nodesById();
    Node node = known(nodes, nodeId);
    if (node.isUp()) {
      throw new RefusedChangeException(nodeId + " is UP: decommission it instead, so that it "
          + "hands its ranges over before it leaves");
    }
    if (node.state() == NodeState.DOWN) {
      checkEnoughRemain(nodes, nodeId, "removing");
    }
    nodes.remove(nodeId);
    lastBeatMs.remove(nodeId);
    log.info("node {} removed from the ring by the operator", nodeId);
    return publish(nodes);
  }

  /**
   * Starts decommissioning an UP node: it becomes LEAVING, off the ring, and hands its keys to
   * their new replicas; {@link #removeNode} ends it. For a node already LEAVING, changes nothing.
   *
   * @throws RefusedChangeException if the node is unknown or DOWN, another node is leaving, or
   *     too few nodes would remain
   */
  public synchronized RingTable decommission(String nodeId) {
    Map<String, Node> nodes = nodesById();
    Node node = known(nodes, nodeId);
    if (node.state() == NodeState.LEAVING) {
      return table;
    }
    if (node.state() == NodeState.DOWN) {
      throw new RefusedChangeException(nodeId + " is DOWN and cannot hand its ranges over: "
          + "remove it instead (removenode), and its ranges are re-replicated from the others");
    }
    for (Node other : nodes.values()) {
      if (other.state() == NodeState.LEAVING) {
        throw new RefusedChangeException(other.id() + " is already leaving; decommission one "
            + "node at a time");
      }
    }
    checkEnoughRemain(nodes, nodeId, "decommissioning");
    nodes.put(nodeId, node.withState(NodeState.LEAVING));
    log.info("node {} is LEAVING: decommissioned by the operator", nodeId);
    return publish(nodes);
  }

  private static Node known(Map<String, Node> nodes, String nodeId) {
    Node node = nodes.get(nodeId);
    if (node == null) {
      throw new RefusedChangeException("there is no node '" + nodeId + "' in the cluster (its "
          + "nodes are " + String.join(", ", nodes.keySet()) + ")");
    }
    return node;
  }

  private void checkEnoughRemain(Map<String, Node> nodes, String nodeId, String doing) {
    int remaining = nodes.size() - 1;
    if (remaining < table.replicationFactor()) {
      throw new RefusedChangeException(doing + " " + nodeId + " would leave " + remaining
          + (remaining == 1 ? " node" : " nodes") + ", fewer than the replication factor "
          + table.replicationFactor());
    }
  }

  /** Marks DOWN every UP node silent for longer than the failure timeout. */
  public synchronized RingTable detectFailures() {
    long now = clockMs.getAsLong();
    Map<String, Node> nodes = nodesById();
    boolean changed = false;
    for (Node node : List.copyOf(nodes.values())) {
      long silentMs = now - lastBeatMs.getOrDefault(node.id(), now);
      if (node.isUp() && silentMs > failureTimeoutMs) {
        log.info("node {} is DOWN: no heartbeat for {} ms", node.id(), silentMs);
        nodes.put(node.id(), node.markedDown(now));
        changed = true;
      }
    }
    return changed ? publish(nodes) : table;
  }

  private Map<String, Node> nodesById() {
    Map<String, Node> nodes = new LinkedHashMap<>();
    table.nodes().forEach(n -> nodes.put(n.id(), n));
    return nodes;
  }

  private RingTable publishIfChanged(Map<String, Node> nodes, Node existing, Node updated) {
    if (updated.equals(existing)) {
      return table;
    }
    nodes.put(updated.id(), updated);
    return publish(nodes);
  }

  private RingTable publish(Map<String, Node> nodes) {
    RingTable next = RingTable.of(
        table.clusterId(), table.epoch() + 1, table.replicationFactor(), nodes.values());
    try {
      store.save(table, next); // durable before anyone can see it, so epochs never repeat
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the manager state", e);
    }
    for (Node node : next.nodes()) {
      NodeState before = table.node(node.id()).map(Node::state).orElse(null);
      if (before != node.state()) {
        stateChanges.merge(node.state(), 1L, Long::sum);
      }
    }
    table = next;
    log.info("published table epoch {}: {}", next.epoch(), summary(next));
    return next;
  }

  /** How many times a node was marked UP (joins included) or DOWN since the manager started. */
  public synchronized Map<NodeState, Long> stateChanges() {
    return new EnumMap<>(stateChanges);
  }

  private static String summary(RingTable t) {
    StringBuilder sb = new StringBuilder();
    for (Node n : t.nodes()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(n.id()).append('=').append(n.state());
    }
    return sb.toString();
  }
}

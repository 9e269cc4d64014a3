package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of the ring: which nodes exist, where they live, whether they are UP,
 * which tokens each owns, and the replication factor. Every change produces a new table with a
 * higher epoch; nobody mutates one.
 *
 * <p>A token {@code t} owns the ring range {@code (previous token, t]}. A key's home replicas are
 * the first {@code replicationFactor} distinct nodes met walking clockwise from the key's hash.
 * The tokens of a LEAVING node (being decommissioned) are not on the ring.
 */
public final class RingTable {

  private final String clusterId;
  private final long epoch;
  private final int replicationFactor;
  private final List<Node> nodes;
  private final Map<String, Node> nodesById;
  // Sorted token positions and, at the same index, the index into `nodes` of the owner.
  private final long[] ringTokens;
  private final int[] ringOwners;

  private RingTable(String clusterId, long epoch, int replicationFactor, List<Node> nodes) {
    this.clusterId = clusterId;
    this.epoch = epoch;
    this.replicationFactor = replicationFactor;
    this.nodes = nodes;
    this.nodesById = new HashMap<>();
    int tokenCount = 0;
    for (Node node : nodes) {
      if (nodesById.put(node.id(), node) != null) {
        throw new IllegalArgumentException("node id " + node.id() + " appears twice in the table");
      }
      tokenCount += node.tokens().size();
    }
    long[][] pairs = new long[tokenCount][];
    int i = 0;
    for (int owner = 0; owner < nodes.size(); owner++) {
      for (long token : nodes.get(owner).tokens()) {
        pairs[i++] = new long[] {token, owner};
      }
    }
    Arrays.sort(pairs, Comparator.comparingLong(p -> p[0]));
    for (i = 1; i < tokenCount; i++) {
      if (pairs[i][0] == pairs[i - 1][0]) {
        throw new IllegalArgumentException(
            "token " + pairs[i][0] + " is owned by both " + nodes.get((int) pairs[i - 1][1]).id()
                + " and " + nodes.get((int) pairs[i][1]).id());
      }
    }
    // A LEAVING node's tokens are no longer on the ring: its ranges already belong to the
    // replicas that follow, while it hands its keys over to them.
    long[][] placed = Arrays.stream(pairs)
        .filter(p -> nodes.get((int) p[1]).state() != NodeState.LEAVING).toArray(long[][]::new);
    ringTokens = new long[placed.length];
    ringOwners = new int[placed.length];
    for (i = 0; i < placed.length; i++) {
      ringTokens[i] = placed[i][0];
      ringOwners[i] = (int) placed[i][1];
    }
  }

  /**
   * Builds a table, validating it.
   *
   * @throws IllegalArgumentException on a blank cluster id, a negative epoch, a replication factor
   *     below 1, a duplicate node id or a token owned twice
   */
  public static RingTable of(
      String clusterId, long epoch, int replicationFactor, Collection<Node> nodes) {
    Objects.requireNonNull(clusterId, "clusterId");
    if (clusterId.isBlank()) {
      throw new IllegalArgumentException("cluster id must not be blank");
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replication factor must be at least 1, got " + replicationFactor);
    }
    List<Node> sorted = new ArrayList<>(nodes);
    sorted.sort(Comparator.comparing(Node::id, RingTable::compareNodeIds));
    return new RingTable(clusterId, epoch, replicationFactor, List.copyOf(sorted));
  }

  /** A table with no nodes, epoch 0. */
  public static RingTable empty(String clusterId, int replicationFactor) {
    return of(clusterId, 0, replicationFactor, List.of());
  }

  public String clusterId() {
    return clusterId;
  }

  public long epoch() {
    return epoch;
  }

  public int replicationFactor() {
    return replicationFactor;
  }

  /** All nodes, ordered by id ({@code server2} before {@code server10}). */
  public List<Node> nodes() {
    return nodes;
  }

  public Optional<Node> node(String id) {
    return Optional.ofNullable(nodesById.get(id));
  }

  public long upCount() {
    return nodes.stream().filter(Node::isUp).count();
  }

  /**
   * True if this table should replace {@code other}: it has a higher epoch, or it belongs to a
   * different cluster (a cluster started afresh restarts its epochs).
   */
  public boolean supersedes(RingTable other) {
    return other == null || supersedes(other.clusterId, other.epoch);
  }

  /**
   * The one rule for which table wins, for a table known only by its cluster id and epoch (as a
   * caller names the table it routes with).
   */
  public boolean supersedes(String otherClusterId, long otherEpoch) {
    return !clusterId.equals(otherClusterId) || epoch > otherEpoch;
  }

  /** True if a table of this cluster with {@code otherEpoch} would replace this one. */
  public boolean isOlderThan(String otherClusterId, long otherEpoch) {
    return clusterId.equals(otherClusterId) && otherEpoch > epoch;
  }

  /** Every range of the ring, in token order; empty for a table without nodes. */
  public List<TokenRange> ranges() {
    List<TokenRange> ranges = new ArrayList<>(ringTokens.length);
    for (int i = 0; i < ringTokens.length; i++) {
      long previous = ringTokens[(i + ringTokens.length - 1) % ringTokens.length];
      ranges.add(new TokenRange(previous, ringTokens[i]));
    }
    return ranges;
  }

  /**
   * The range that holds {@code keyToken}.
   *
   * @throws IllegalStateException if the table has no nodes
   */
  public TokenRange rangeOf(long keyToken) {
    int n = ringTokens.length;
    if (n == 0) {
      throw new IllegalStateException("a table without nodes has no ranges");
    }
    int index = Arrays.binarySearch(ringTokens, keyToken);
    if (index < 0) {
      index = -index - 1;
    }
    index %= n;
    return new TokenRange(ringTokens[(index + n - 1) % n], ringTokens[index]);
  }

  /** The first {@code replicationFactor} distinct nodes clockwise from {@code keyToken}, UP or not. */
  public List<Node> homeReplicas(long keyToken) {
    List<Node> home = new ArrayList<>(replicationFactor);
    walkDistinct(keyToken, node -> {
      home.add(node);
      return home.size() < replicationFactor;
    });
    return home;
  }

  /**
   * Where a key's copies go now: its UP home replicas in ring order, and for each DOWN home
   * replica the next distinct UP node clockwise past the home replicas, carrying a hint for it
   * (sloppy quorum). Holds fewer than {@code replicationFactor} entries only when fewer nodes
   * are UP.
   */
  public List<Placement> preferenceList(long keyToken) {
    List<Placement> placements = new ArrayList<>(replicationFactor);
    List<String> downHomes = new ArrayList<>(0);
    int[] seen = {0};
    walkDistinct(keyToken, node -> {
      boolean isHome = seen[0]++ < replicationFactor;
      if (isHome) {
        if (node.isUp()) {
          placements.add(Placement.home(node));
        } else {
          downHomes.add(node.id());
        }
      } else if (node.isUp()) {
        placements.add(Placement.fallback(node, downHomes.remove(0)));
      }
      return seen[0] < replicationFactor || !downHomes.isEmpty();
    });
    return placements;
  }

  private interface NodeVisitor {
    /** Returns whether to keep walking. */
    boolean visit(Node node);
  }

  private void walkDistinct(long keyToken, NodeVisitor visitor) {
    int n = ringTokens.length;
    if (n == 0) {
      return;
    }
    int start = Arrays.binarySearch(ringTokens, keyToken);
    if (start < 0) {
      start = -start - 1;
    }
    boolean[] visited = new boolean[nodes.size()];
    int distinct = 0;
    for (int step = 0; step < n && distinct < nodes.size(); step++) {
      int owner = ringOwners[(start + step) % n];
      if (visited[owner]) {
        continue;
      }
      visited[owner] = true;
      distinct++;
      if (!visitor.visit(nodes.get(owner))) {
        return;
      }
    }
  }

  /** Orders {@code server2} before {@code server10}: by length of the digits suffix, then text. */
  static int compareNodeIds(String a, String b) {
    String prefixA = a.replaceAll("\\d+$", "");
    String prefixB = b.replaceAll("\\d+$", "");
    int byPrefix = prefixA.compareTo(prefixB);
    if (byPrefix != 0) {
      return byPrefix;
    }
    int byLength = Integer.compare(a.length(), b.length());
    return byLength != 0 ? byLength : a.compareTo(b);
  }

  @Override
  public String toString() {
    return "RingTable{cluster=" + clusterId + ", epoch=" + epoch + ", rf=" + replicationFactor
        + ", nodes=" + nodes.stream().map(n -> n.id() + "@" + n.address() + "/" + n.state()).toList()
        + "}";
  }
}

package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The greedy placement of one newcomer's tokens on a ring it changes as it goes. It keeps two
 * kinds of holdings: each node's (what is being balanced) and each token's replicated span (the
 * ranges a node holds through that token: those whose walk meets the node first at it). A token
 * can only take ranges from the last replicas of the ranges before it, so a node whose tokens
 * hold odd spans is one later newcomers cannot relieve; keeping the spans even too keeps every
 * node within reach of the next join.
 */
final class TokenPlacement {

  private static final String NEWCOMER = "\u0000new";
  /** Ranges drawn for each token: more were not better (the spans keep the greedy honest). */
  private static final int CANDIDATES = 64;
  /** How much the tokens' spans weigh against the nodes' holdings. */
  private static final double TOKEN_WEIGHT = 1;
  /** Times each token is placed again once all are placed. */
  private static final int PASSES = 1;

  private final TreeMap<Long, String> ring;
  private final List<Long> tokens;
  private final int replicationFactor;
  private final Random draw;
  private final Map<String, Double> held;
  private final Map<Long, Double> spans;
  private final double fairSpan;
  private final int nodesAfterJoin;

  /**
   * @param ring the ring before the join, token to owner; the newcomer's tokens are added to it
   * @param replicationFactor the replication factor holdings are balanced at
   * @param nodesAfterJoin how many nodes the ring has once the newcomer is on it
   * @param count how many tokens the newcomer gets
   * @param draw where the candidate ranges are drawn from
   */
  TokenPlacement(TreeMap<Long, String> ring, int replicationFactor, int nodesAfterJoin,
      int count, Random draw) {
    this.ring = ring;
    this.tokens = new ArrayList<>(ring.keySet());
    this.replicationFactor = replicationFactor;
    this.draw = draw;
    this.nodesAfterJoin = nodesAfterJoin;
    this.fairSpan = replicationFactor * Ownership.RING_SIZE / nodesAfterJoin / count;
    Ownership.Holdings holdings = Ownership.holdings(ring, replicationFactor);
    this.held = holdings.byNode();
    this.spans = holdings.byToken();
  }

  List<Long> place(int count) {
    List<Long> chosen = new ArrayList<>(count);
    while (chosen.size() < count) {
      chosen.add(placeBest(null));
    }
    // The first tokens were placed while the newcomer held little, when taking anything was
    // good; placed again now, each goes where it relieves the most loaded nodes.
    for (int pass = 0; pass < PASSES; pass++) {
      for (int i = 0; i < chosen.size(); i++) {
        long token = chosen.get(i);
        ring.remove(token);
        tokens.remove(token);
        changeAt(token).apply(held, spans, -1);
        chosen.set(i, placeBest(token));
      }
    }
    return chosen;
  }

  /** Places one token at the best of the drawn candidates (or at {@code current}, if better). */
  private long placeBest(Long current) {
    Change bestChange = null;
    double bestCost = Double.MAX_VALUE;
    for (int i = 0; i <= Math.min(CANDIDATES, tokens.size()); i++) {
      Change change = i == 0 ? (current == null ? null : changeAt(current))
          : candidateIn(tokens.get(draw.nextInt(tokens.size())));
      if (change == null) {
        continue;
      }
      double cost = change.cost(held, spans, fairSpan);
      if (cost < bestCost) {
        bestChange = change;
        bestCost = cost;
      }
    }
    if (bestChange == null) {
      throw new IllegalStateException("no range on the ring is wide enough for a new token");
    }
    ring.put(bestChange.token, NEWCOMER);
    tokens.add(bestChange.token);
    bestChange.apply(held, spans, 1);
    return bestChange.token;
  }

  /**
   * A new token in the range ending at {@code end}, far enough in that its span (the range's
   * first part plus the ranges before it whose replica it becomes) is fair; null if the range has
   * no free position inside.
   */
  private Change candidateIn(long end) {
    long start = RingWalk.previous(ring, end);
    if (Long.compareUnsigned(end - start, 2) < 0) {
      return null;
    }
    return changeIn(start, end, null);
  }

  /** How the holdings change if the newcomer gets {@code token} (not on the ring). */
  private Change changeAt(long token) {
    Long after = ring.ceilingKey(token);
    long end = after != null ? after : ring.firstKey();
    long start = RingWalk.previous(ring, end);
    return changeIn(start, end, token - start);
  }

  /**
   * How the holdings change if the newcomer gets a token {@code offset} positions past
   * {@code start} in the range {@code (start, end]}; a fair offset if null.
   */
  private Change changeIn(long start, long end, Long offset) {
    // Enough for any range before: it needs at most replicationFactor nodes not among the fewer
    // than replicationFactor it met first. (Never more than there are: no walk round the ring.)
    List<Map.Entry<Long, String>> ahead =
        RingWalk.firstOfEachOwner(ring, end, Math.min(2 * replicationFactor, nodesAfterJoin));
    Change change = new Change();
    // The ranges before it whose replicas the newcomer becomes: each drops its last one.
    Set<String> before = new HashSet<>();
    long cursor = start;
    for (int steps = 0; steps < tokens.size(); steps++) {
      before.add(ring.get(cursor));
      if (before.size() >= replicationFactor || before.contains(NEWCOMER)) {
        break;
      }
      long previous = RingWalk.previous(ring, cursor);
      change.drop(lastReplica(ahead, before, replicationFactor - before.size()),
          Ownership.rangeSize(previous, cursor));
      cursor = previous;
    }
    long at = offset != null ? offset : fairOffset(start, end, change.newcomerGain());
    change.token = start + at;
    // The range the token splits: the newcomer joins its first part's replicas.
    change.drop(lastReplica(ahead, Set.of(), replicationFactor),
        Ownership.unsignedToDouble(at));
    return change;
  }

  /** Whole positions, strictly inside the range (a double rounds near the range's width). */
  private long fairOffset(long start, long end, double spanSoFar) {
    long offset = Math.max(1, unsignedLong(Math.max(0, fairSpan - spanSoFar)));
    return Long.compareUnsigned(offset, end - start - 1) > 0 ? end - start - 1 : offset;
  }

  /**
   * The token of the last of the first {@code count} nodes of {@code ahead} not in
   * {@code skipped}: where a range loses a replica when the newcomer joins in front of them;
   * null when the newcomer is among them already.
   */
  private static Map.Entry<Long, String> lastReplica(List<Map.Entry<Long, String>> ahead,
      Set<String> skipped, int count) {
    Map.Entry<Long, String> last = null;
    int taken = 0;
    for (Map.Entry<Long, String> replica : ahead) {
      if (taken == count) {
        break;
      }
      if (!skipped.contains(replica.getValue())) {
        if (replica.getValue().equals(NEWCOMER)) {
          return null;
        }
        last = replica;
        taken++;
      }
    }
    return last;
  }

  /** What one new token moves: ranges from other nodes' tokens to the newcomer's token. */
  private static final class Change {
    private long token;
    private double gained;
    private final Map<String, Double> lostByNode = new HashMap<>();
    private final Map<Long, Double> lostByToken = new HashMap<>();

    void drop(Map.Entry<Long, String> from, double size) {
      if (from != null) {
        gained += size;
        lostByNode.merge(from.getValue(), size, Double::sum);
        lostByToken.merge(from.getKey(), size, Double::sum);
      }
    }

    double newcomerGain() {
      return gained;
    }

    /**
     * How much the change adds to the sum of squares of the nodes' holdings and of the tokens'
     * spans' distances from a fair span (lower is more even).
     */
    double cost(Map<String, Double> held, Map<Long, Double> spans, double fairSpan) {
      double cost = growth(held.getOrDefault(NEWCOMER, 0.0), gained)
          + TOKEN_WEIGHT * growth(-fairSpan, gained);
      for (Map.Entry<String, Double> e : lostByNode.entrySet()) {
        cost += growth(held.getOrDefault(e.getKey(), 0.0), -e.getValue());
      }
      for (Map.Entry<Long, Double> e : lostByToken.entrySet()) {
        cost += TOKEN_WEIGHT * growth(spans.getOrDefault(e.getKey(), 0.0) - fairSpan, -e.getValue());
      }
      return cost;
    }

    /** How much {@code now}'s square grows when {@code delta} is added to it. */
    private static double growth(double now, double delta) {
      return (2 * now + delta) * delta;
    }

    void apply(Map<String, Double> held, Map<Long, Double> spans, int sign) {
      held.merge(NEWCOMER, sign * gained, Double::sum);
      spans.merge(token, sign * gained, Double::sum);
      lostByNode.forEach((id, d) -> held.merge(id, -sign * d, Double::sum));
      lostByToken.forEach((t, d) -> spans.merge(t, -sign * d, Double::sum));
      if (sign < 0) {
        spans.remove(token);
      }
    }
  }

  /** {@code value} (at least 0, below 2^64) as the unsigned long nearest to it. */
  private static long unsignedLong(double value) {
    double half = Math.pow(2, 63);
    return value < half ? (long) value : (long) (value - half) + Long.MIN_VALUE;
  }
}

package dev.ringkv.ring;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How much of the ring each node holds at a replication factor (its effective ownership): every
 * range it holds as any of the range's replicas, not only as the first. Each range's replicas are
 * the first {@code replicationFactor} distinct owners met walking clockwise from the range's end,
 * as {@link RingTable#homeReplicas} places keys.
 */
public final class Ownership {

  static final double RING_SIZE = Math.pow(2, 64);

  private Ownership() {}

  /**
   * The fraction of the ring each node holds at {@code replicationFactor}, by node id; the
   * fractions add up to the smaller of the replication factor and the number of nodes.
   *
   * @param tokens every node's tokens, by node id
   */
  public static Map<String, Double> effective(Map<String, List<Long>> tokens,
      int replicationFactor) {
    TreeMap<Long, String> ring = new TreeMap<>();
    tokens.forEach((id, owned) -> owned.forEach(t -> ring.put(t, id)));
    Map<String, Double> held = new HashMap<>();
    tokens.keySet().forEach(id -> held.put(id, 0.0));
    holdings(ring, replicationFactor).byNode()
        .forEach((id, size) -> held.put(id, size / RING_SIZE));
    return held;
  }

  /**
   * What each node holds at a replication factor, in ring positions, and what each token holds
   * for its node: the ranges whose walk meets the node first at that token.
   */
  record Holdings(Map<String, Double> byNode, Map<Long, Double> byToken) {}

  /** The holdings of the nodes on {@code ring} (token to owner). */
  static Holdings holdings(TreeMap<Long, String> ring, int replicationFactor) {
    Holdings holdings = new Holdings(new HashMap<>(), new HashMap<>());
    if (ring.isEmpty()) {
      return holdings;
    }
    long previous = ring.lastKey();
    for (long token : ring.keySet()) {
      double size = rangeSize(previous, token);
      for (Map.Entry<Long, String> replica : RingWalk.firstOfEachOwner(ring, token,
          replicationFactor)) {
        holdings.byNode().merge(replica.getValue(), size, Double::sum);
        holdings.byToken().merge(replica.getKey(), size, Double::sum);
      }
      previous = token;
    }
    return holdings;
  }

  /** The size of the range {@code (from, to]}; the whole ring when the two are equal. */
  static double rangeSize(long from, long to) {
    long distance = to - from;
    return distance == 0 ? RING_SIZE : unsignedToDouble(distance);
  }

  static double unsignedToDouble(long value) {
    return (double) (value >>> 1) * 2.0 + (value & 1);
  }
}

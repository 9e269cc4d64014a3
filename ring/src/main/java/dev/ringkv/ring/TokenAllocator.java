package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Chooses tokens for a node joining the ring so that every node ends up owning close to an equal
 * share of it. The first node gets evenly spaced tokens; each later node takes its share one
 * token at a time from the currently most loaded node, from one of that node's largest ranges.
 * Which of the near-largest ranges is drawn at random, so that a node's share is scattered over
 * the whole ring: taking them in ring order would hand each newcomer one contiguous arc, and keys
 * that hash close together would then pile onto the same nodes. Deterministic all the same: the
 * draw is seeded by the ring, so the same existing ring always yields the same tokens.
 */
public final class TokenAllocator {

  private static final double RING_SIZE = Math.pow(2, 64);

  private TokenAllocator() {}

  /**
   * Picks {@code count} new tokens for a node joining a ring whose current owners are given.
   *
   * @param existing tokens of every node already on the ring, by node id
   * @param count how many tokens the new node gets; at least 1
   */
  public static List<Long> allocate(Map<String, List<Long>> existing, int count) {
    return allocate(existing, count, 0);
  }

  /**
   * As {@link #allocate(Map, int)}, with the first node's evenly spaced tokens rotated by
   * {@code rotation}, so that clusters with different rotations place keys differently.
   */
  public static List<Long> allocate(Map<String, List<Long>> existing, int count, long rotation) {
    if (count < 1) {
      throw new IllegalArgumentException("token count must be at least 1, got " + count);
    }
    TreeMap<Long, String> ring = new TreeMap<>();
    existing.forEach((id, tokens) -> tokens.forEach(t -> ring.put(t, id)));
    if (ring.isEmpty()) {
      return evenlySpaced(count, rotation);
    }
    Map<String, Double> ownership = ownership(ring);
    Random draw = new Random(rotation ^ ring.firstKey() ^ ((long) existing.size() << 32));
    String newcomer = "\u0000new";
    double need = RING_SIZE / (existing.size() + 1);
    List<Long> chosen = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      double want = need / (count - i);
      String donor = mostLoaded(ownership);
      long[] range = aLargeRange(ring, donor, draw); // {previous token, donor's token}
      double rangeSize = unsignedToDouble(range[1] - range[0]);
      long steal = (long) Math.max(1, Math.min(want, rangeSize - 1));
      long token = range[0] + steal;
      if (ring.containsKey(token)) {
        continue; // the donor's range is a single position; take nothing from it
      }
      ring.put(token, newcomer);
      chosen.add(token);
      ownership.merge(donor, -(double) steal, Double::sum);
      need -= steal;
    }
    return chosen;
  }

  private static List<Long> evenlySpaced(int count, long rotation) {
    long step = Long.divideUnsigned(-1L, count);
    List<Long> tokens = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      tokens.add(Long.MIN_VALUE + rotation + step * i);
    }
    return tokens;
  }

  private static Map<String, Double> ownership(TreeMap<Long, String> ring) {
    Map<String, Double> owned = new HashMap<>();
    long previous = ring.lastKey();
    for (Map.Entry<Long, String> e : ring.entrySet()) {
      long size = e.getKey() - previous;
      owned.merge(e.getValue(), size == 0 ? RING_SIZE : unsignedToDouble(size), Double::sum);
      previous = e.getKey();
    }
    return owned;
  }

  private static String mostLoaded(Map<String, Double> ownership) {
    String best = null;
    for (Map.Entry<String, Double> e : ownership.entrySet()) {
      if (best == null || e.getValue() > ownership.get(best)
          || (e.getValue().equals(ownership.get(best)) && e.getKey().compareTo(best) < 0)) {
        best = e.getKey();
      }
    }
    return best;
  }

  /** One of {@code owner}'s ranges at least 90% as large as its largest, drawn at random. */
  private static long[] aLargeRange(TreeMap<Long, String> ring, String owner, Random draw) {
    List<long[]> ranges = new ArrayList<>();
    List<Double> sizes = new ArrayList<>();
    double largest = 0;
    long previous = ring.lastKey();
    for (Map.Entry<Long, String> e : ring.entrySet()) {
      if (e.getValue().equals(owner)) {
        long distance = e.getKey() - previous;
        double size = distance == 0 ? RING_SIZE : unsignedToDouble(distance);
        ranges.add(new long[] {previous, e.getKey()});
        sizes.add(size);
        largest = Math.max(largest, size);
      }
      previous = e.getKey();
    }
    List<long[]> candidates = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      if (sizes.get(i) >= 0.9 * largest) {
        candidates.add(ranges.get(i));
      }
    }
    return candidates.get(draw.nextInt(candidates.size()));
  }

  static double unsignedToDouble(long value) {
    return (double) (value >>> 1) * 2.0 + (value & 1);
  }
}

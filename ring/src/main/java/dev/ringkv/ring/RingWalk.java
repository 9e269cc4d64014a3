package dev.ringkv.ring;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Walks over a ring kept as a sorted map of token to owner, wrapping around its end. */
final class RingWalk {

  private RingWalk() {}

  /**
   * The first {@code limit} distinct owners met walking clockwise from {@code token} (included),
   * each with the token it was first met at; at most once around the ring.
   */
  static List<Map.Entry<Long, String>> firstOfEachOwner(TreeMap<Long, String> ring, long token,
      int limit) {
    List<Map.Entry<Long, String>> firsts = new ArrayList<>(limit);
    List<String> owners = new ArrayList<>(limit);
    for (Map.Entry<Long, String> e : clockwise(ring, token)) {
      if (owners.size() == limit) {
        break;
      }
      if (!owners.contains(e.getValue())) {
        owners.add(e.getValue());
        firsts.add(e);
      }
    }
    return firsts;
  }

  /** The entries from {@code token} (included) clockwise, once around the ring. */
  static Iterable<Map.Entry<Long, String>> clockwise(TreeMap<Long, String> ring, long token) {
    return () -> new Iterator<>() {
      private Iterator<Map.Entry<Long, String>> part =
          ring.tailMap(token, true).entrySet().iterator();
      private boolean wrapped;

      @Override
      public boolean hasNext() {
        if (!part.hasNext() && !wrapped) {
          wrapped = true;
          part = ring.headMap(token, false).entrySet().iterator();
        }
        return part.hasNext();
      }

      @Override
      public Map.Entry<Long, String> next() {
        hasNext();
        return part.next();
      }
    };
  }

  /** The token before {@code token} on the ring (the last one, before the first). */
  static long previous(TreeMap<Long, String> ring, long token) {
    Long before = ring.lowerKey(token);
    return before != null ? before : ring.lastKey();
  }
}

package dev.ringkv.storage.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.LongAdder;

/**
 * The stored record of recently used keys, in the heap in front of RocksDB. Every replica write
 * must compare versions with what is stored, and most keys written are written again soon: a
 * RocksDB read is a search of the memtable's skip list, which with its many versions of the same
 * keys was the largest single cost of a write. Held records are those stored: the engine updates
 * this cache under the key's lock, in the same step as the store.
 *
 * <p>Bounded by weight (an estimate of each entry's heap bytes); values over
 * {@link #MAX_VALUE_BYTES} are not held, so a few large values cannot push out many small ones.
 * Eviction work runs on the calling thread, so the cache starts no thread of its own. Not final
 * only so that a test can hold a caller at the moment it caches.
 */
class RecordCache {

  /** Values larger than this are read from RocksDB every time. */
  static final int MAX_VALUE_BYTES = 4 * 1024;
  // Key string, record, version and the cache's own node, roughly.
  private static final int ENTRY_OVERHEAD_BYTES = 160;

  private final Cache<String, Record> records;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  /** A cache of at most about {@code maxBytes} of heap; 0 holds nothing. */
  RecordCache(long maxBytes) {
    this.records = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher(RecordCache::weigh)
        .executor(Runnable::run)
        .build();
  }

  /** The record stored for {@code key}, if held here; null when unknown. Counted. */
  Record get(String key) {
    Record held = records.getIfPresent(key);
    (held == null ? misses : hits).increment();
    return held;
  }

  /** {@link #get} without counting: a second look after a miss. */
  Record peek(String key) {
    return records.getIfPresent(key);
  }

  /** Lookups that found the key's record here, and those that did not, so far. */
  long hits() {
    return hits.sum();
  }

  long misses() {
    return misses.sum();
  }

  /** The weight held: about the heap bytes of the records and their keys. */
  long heldBytes() {
    return records.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** {@code record} is now what is stored for {@code key}. */
  void stored(String key, Record record) {
    if (record.value().length <= MAX_VALUE_BYTES) {
      records.put(key, record);
    } else {
      records.invalidate(key);
    }
  }

  /** Nothing is stored for {@code key} any more. */
  void removed(String key) {
    records.invalidate(key);
  }

  /** Nothing is stored for any key any more. */
  void clear() {
    records.invalidateAll();
  }

  private static int weigh(String key, Record record) {
    return 2 * key.length() + record.value().length + ENTRY_OVERHEAD_BYTES;
  }
}

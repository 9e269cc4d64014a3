package dev.ringkv.storage.engine;

import dev.ringkv.ring.TokenRange;
import dev.ringkv.version.Version;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The node-local, durable store. Writes are last-write-wins by version: applying an older record
 * than the one stored is a no-op. A write survives a crash of the process once
 * {@link #flushWrites} has been called after it. Every method is thread-safe.
 */
public interface StorageEngine extends AutoCloseable {

  Optional<Record> get(String key);

  /** Stores {@code record} unless a newer one is already stored; returns whether it was stored. */
  boolean apply(String key, Record record);

  /**
   * Deletes the record of {@code key} if it is still at {@code version}, leaving no tombstone:
   * for a copy this node no longer needs. Returns whether it was deleted.
   */
  boolean removeIfAt(String key, Version version);

  /** Calls {@code visitor} with every key (tombstones included) whose token is in {@code range}. */
  void scan(TokenRange range, BiConsumer<String, Record> visitor);

  /** Keys that hold a value (tombstones are not counted). Walks the store: not for hot paths. */
  long liveKeyCount();

  /** Keeps {@code record} for {@code targetNodeId}; a newer hint for the same key replaces it. */
  void addHint(String targetNodeId, String key, Record record);

  /** Up to {@code limit} hints held for {@code targetNodeId}. */
  List<Hint> hintsFor(String targetNodeId, int limit);

  /** Node ids that have hints waiting. */
  List<String> hintTargets();

  /** Removes {@code hint} unless a newer hint for the same target and key has replaced it. */
  void removeHint(Hint hint);

  long hintCount();

  /**
   * Makes every write made before this call survive a crash of this process: until then a write
   * may be held in the process's memory only, so that writes made together are logged together.
   * Called before any message leaves the node.
   */
  void flushWrites();

  /** Deletes every record and every hint. */
  void clear();

  @Override
  void close();
}

package dev.ringkv.storage.coordinator;

import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * This node in its role as a replica: stores records (keeping a hint when it stands in for a
 * DOWN home replica), serves them, and keeps the clock ahead of every version it has stored.
 */
public final class LocalReplica {

  private final StorageEngine engine;
  private final HybridClock clock;
  private final Predicate<String> caughtUp;
  private final LongSupplier tableEpoch;
  private final AtomicLong hintsStored = new AtomicLong();
  private final AtomicLong hintsStoredTotal = new AtomicLong();

  /**
   * @param caughtUp whether this node has caught up on a key's range, so its reads count toward
   *     a quorum
   * @param tableEpoch the epoch of the table this node holds
   */
  public LocalReplica(StorageEngine engine, HybridClock clock, Predicate<String> caughtUp,
      LongSupplier tableEpoch) {
    this.engine = engine;
    this.clock = clock;
    this.caughtUp = caughtUp;
    this.tableEpoch = tableEpoch;
  }

  /** Stores {@code record} unless a newer one is held; {@code hintFor} may be null. */
  public void store(String key, Record record, String hintFor) {
    clock.observe(record.version());
    engine.apply(key, record);
    if (hintFor != null) {
      holdHint(hintFor, key, record);
    }
  }

  /**
   * What this node holds for {@code key}, and whether that counts toward a read quorum. It does
   * not while the node is catching up on the key's range, nor while its table is older than
   * {@code callerEpoch}: the newer table may say this node was declared DOWN and missed writes.
   * A value over {@code maxValueBytes} is withheld.
   */
  public ReplicaAnswer read(String key, long callerEpoch, int maxValueBytes) {
    boolean counts = tableEpoch.getAsLong() >= callerEpoch && caughtUp.test(key);
    return ReplicaAnswer.of(engine.get(key), counts, maxValueBytes);
  }

  /** Whether this node's table is older than {@code callerEpoch}. */
  public boolean isBehind(long callerEpoch) {
    return tableEpoch.getAsLong() < callerEpoch;
  }

  /** Keeps {@code record} to hand off to {@code targetNodeId} when it is UP again. */
  public void holdHint(String targetNodeId, String key, Record record) {
    engine.addHint(targetNodeId, key, record);
    hintsStored.incrementAndGet();
    hintsStoredTotal.incrementAndGet();
  }

  /** Hints stored since this node started (for metrics). */
  public long hintsStoredTotal() {
    return hintsStoredTotal.get();
  }

  /** Hints stored since the last call (for the log). */
  public long takeHintsStored() {
    return hintsStored.getAndSet(0);
  }

  /** A version newer than both the clock and anything stored locally for {@code key}. */
  public Version nextVersionFor(String key) {
    engine.get(key).ifPresent(existing -> clock.observe(existing.version()));
    return clock.next();
  }

  public void observe(Version version) {
    clock.observe(version);
  }
}

package dev.ringkv.storage.coordinator;

import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.version.HybridClock;
import dev.ringkv.storage.version.Version;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * This node in its role as a replica: stores records (keeping a hint when it stands in for a
 * DOWN home replica), serves them, and keeps the clock ahead of every version it has stored.
 */
public final class LocalReplica {

  private final StorageEngine engine;
  private final HybridClock clock;
  private final Predicate<String> caughtUp;
  private final AtomicLong hintsStored = new AtomicLong();

  /**
   * @param caughtUp whether this node has caught up on a key's range, so its reads count toward
   *     a quorum
   */
  public LocalReplica(StorageEngine engine, HybridClock clock, Predicate<String> caughtUp) {
    this.engine = engine;
    this.clock = clock;
    this.caughtUp = caughtUp;
  }

  /** Stores {@code record} unless a newer one is held; {@code hintFor} may be null. */
  public void store(String key, Record record, String hintFor) {
    clock.observe(record.version());
    engine.apply(key, record);
    if (hintFor != null) {
      holdHint(hintFor, key, record);
    }
  }

  public ReplicaAnswer read(String key) {
    return new ReplicaAnswer(engine.get(key), caughtUp.test(key));
  }

  /** Keeps {@code record} to hand off to {@code targetNodeId} when it is UP again. */
  public void holdHint(String targetNodeId, String key, Record record) {
    engine.addHint(targetNodeId, key, record);
    hintsStored.incrementAndGet();
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

  public long liveKeyCount() {
    return engine.liveKeyCount();
  }

  public long hintCount() {
    return engine.hintCount();
  }
}

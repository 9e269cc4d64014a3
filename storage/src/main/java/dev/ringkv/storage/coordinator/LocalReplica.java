package dev.ringkv.storage.coordinator;

import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.membership.PauseWatch;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * This node in its role as a replica: stores records (keeping a hint when it stands in for a
 * DOWN home replica), serves them, and keeps the clock ahead of every version it has stored.
 * What the tombstone grace asks of a replica is enforced here: records sent past its horizon for
 * keys not held are refused, and no reads are answered after a long pause.
 */
public final class LocalReplica {

  private final StorageEngine engine;
  private final HybridClock clock;
  private final Predicate<String> caughtUp;
  private final LongSupplier tableEpoch;
  private final TombstoneGrace grace;
  private final PauseWatch pauses;
  private final AtomicLong hintsStored = new AtomicLong();
  private final AtomicLong hintsStoredTotal = new AtomicLong();

  /**
   * @param caughtUp whether this node has caught up on a key's range, so its reads count toward
   *     a quorum
   * @param tableEpoch the epoch of the table this node holds
   * @param grace past whose horizon a record pushed here for a key this node lacks is refused
   * @param pauses whether this node was paused so long that it must not answer reads yet
   */
  public LocalReplica(StorageEngine engine, HybridClock clock, Predicate<String> caughtUp,
      LongSupplier tableEpoch, TombstoneGrace grace, PauseWatch pauses) {
    this.engine = engine;
    this.clock = clock;
    this.caughtUp = caughtUp;
    this.tableEpoch = tableEpoch;
    this.grace = grace;
    this.pauses = pauses;
  }

  /**
   * Stores {@code record}, sent here by a coordinator, a hint or a repair, unless a newer one is
   * held; {@code hintFor} may be null.
   *
   * @throws PastHorizonException if the record is older than half the tombstone grace and this
   *     node holds no record of the key
   */
  public void store(String key, Record record, String hintFor) {
    if (grace.isPastHorizon(record.version())) {
      Optional<Record> held = engine.get(key);
      if (held.isEmpty()) {
        throw new PastHorizonException("refused a record of a key this replica does not hold, "
            + "written " + grace.ageOf(record.version()).toSeconds() + " s ago, more than half "
            + "the tombstone grace (" + grace.grace().toSeconds() + " s): it may belong to a "
            + "key whose delete has been purged");
      }
      if (!record.supersedes(held.get())) {
        return; // nothing to apply, and the held tombstone may be purged before an apply
      }
    }
    storeCopy(key, record);
    if (hintFor != null) {
      holdHint(hintFor, key, record);
    }
  }

  /**
   * Stores a copy of {@code record}, pulled by range sync from a replica that holds it or handed
   * over by a node that held it out of place, unless a newer one is held: whatever its age, as
   * its source vouches for it.
   */
  public void storeCopy(String key, Record record) {
    clock.observe(record.version());
    engine.apply(key, record);
  }

  /**
   * What this node holds for {@code key}, and whether that counts toward a read quorum. It does
   * not while the node is catching up on the key's range, nor while its table is older than
   * {@code callerEpoch}: the newer table may say this node was declared DOWN and missed writes.
   * A value over {@code maxValueBytes} is withheld.
   *
   * @throws UnavailableException while this node, paused past half the tombstone grace, waits
   *     for the manager to take it back: it may hold keys deleted meanwhile
   */
  public ReplicaAnswer read(String key, long callerEpoch, int maxValueBytes) {
    pauses.unsettledPause().ifPresent(pause -> {
      throw new UnavailableException("this node did not run for " + pause.toMillis() + " ms, "
          + "more than half the tombstone grace: it answers no reads until the manager has "
          + "taken it back");
    });
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

package dev.ringkv.storage.engine;

import dev.ringkv.ring.TokenRange;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges what is older than the tombstone grace period: tombstones (a delete must stay on disk
 * until every replica has had the time to learn of it, then it is dead weight) and hints (a hint
 * older than the grace could bring back a value whose delete has been purged meanwhile). A
 * replica that missed a delete for longer than the grace would bring the value back; a node that
 * was away that long therefore starts over empty (see {@code AbsenceGuard}). One pass scans the
 * whole store; it runs on the thread that answers scanning calls.
 */
public final class TombstoneSweep implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(TombstoneSweep.class);
  private static final int HINT_BATCH = 10_000;

  private final StorageEngine engine;
  private final Duration grace;
  private final LongSupplier wallClockMs;

  public TombstoneSweep(StorageEngine engine, Duration grace, LongSupplier wallClockMs) {
    this.engine = engine;
    this.grace = grace;
    this.wallClockMs = wallClockMs;
  }

  @Override
  public void run() {
    long before = wallClockMs.getAsLong() - grace.toMillis();
    long[] purged = {0};
    // Removing while scanning is safe: the scan reads a snapshot, and a removal happens only if
    // the key still holds that very tombstone.
    engine.scan(new TokenRange(0, 0), (key, record) -> {
      if (record.isTombstone() && record.version().physicalMs() < before
          && engine.removeIfAt(key, record.version())) {
        purged[0]++;
      }
    });
    long hintsDropped = 0;
    for (String target : engine.hintTargets()) {
      for (Hint hint : engine.hintsFor(target, HINT_BATCH)) {
        if (hint.record().version().physicalMs() < before) {
          engine.removeHint(hint);
          hintsDropped++;
        }
      }
    }
    if (purged[0] > 0 || hintsDropped > 0) {
      log.info("purged {} tombstones and {} hints older than the tombstone grace ({} s)",
          purged[0], hintsDropped, grace.toSeconds());
    }
  }
}

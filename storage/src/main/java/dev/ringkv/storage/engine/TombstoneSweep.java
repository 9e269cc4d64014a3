package dev.ringkv.storage.engine;

import dev.ringkv.ring.TokenRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges tombstones older than the tombstone grace (a delete must stay on disk until every
 * replica has had the time to learn of it, then it is dead weight) and hints past its horizon
 * (delivered, they would be refused: see {@link TombstoneGrace}). A replica that missed a delete
 * for longer than the grace would bring the value back; a node that was away that long therefore
 * starts over empty (see {@code AbsenceGuard}). One pass scans the whole store; it runs on the
 * thread that answers scanning calls.
 */
public final class TombstoneSweep implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(TombstoneSweep.class);
  private static final int HINT_BATCH = 10_000;

  private final StorageEngine engine;
  private final TombstoneGrace grace;

  public TombstoneSweep(StorageEngine engine, TombstoneGrace grace) {
    this.engine = engine;
    this.grace = grace;
  }

  @Override
  public void run() {
    long[] purged = {0};
    // Removing while scanning is safe: the scan reads a snapshot, and a removal happens only if
    // the key still holds that very tombstone.
    engine.scan(new TokenRange(0, 0), (key, record) -> {
      if (record.isTombstone() && grace.isPastGrace(record.version())
          && engine.removeIfAt(key, record.version())) {
        purged[0]++;
      }
    });
    long hintsDropped = 0;
    for (String target : engine.hintTargets()) {
      for (Hint hint : engine.hintsFor(target, HINT_BATCH)) {
        if (grace.isPastHorizon(hint.record().version())) {
          engine.removeHint(hint);
          hintsDropped++;
        }
      }
    }
    if (purged[0] > 0 || hintsDropped > 0) {
      log.info("purged {} tombstones older than the tombstone grace ({} s) and {} hints older "
          + "than half of it", purged[0], grace.grace().toSeconds(), hintsDropped);
    }
  }
}

package dev.ringkv.storage.membership;

import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.engine.TombstoneGrace;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the heartbeat tells its node, and what it asks. A decommissioned node stops (exit 0). A
 * node must not hand out keys whose deletes it missed and the others purged: so it asks the
 * manager to take it back only if it was DOWN for at most half the tombstone grace (its absence
 * may have begun up to a failure timeout before the manager noticed it; the grace is days, the
 * timeout seconds). The manager, which alone knows how long the node was DOWN at the moment it
 * would take it back, refuses it past that; then the cluster ran on without it: refused at start,
 * the node deletes what it holds, joins with no limit and pulls every range; refused once it had
 * joined, it stops (exit 1; started again, it starts over). A node the manager never marked DOWN
 * (the whole cluster, or the manager, was away too) keeps its data. A node whose process was
 * paused past half the grace serves no reads until the manager has settled it
 * ({@link PauseWatch}).
 */
public final class AbsenceGuard implements HeartbeatLoop.Events {

  private static final Logger log = LoggerFactory.getLogger(AbsenceGuard.class);

  private final TombstoneGrace grace;
  private final PauseWatch pauses;
  private final StorageEngine engine;
  private final CompletableFuture<Integer> exit;
  private boolean joined;
  private boolean holdsNothing;

  /** @param exit completed with the exit code when the node must stop */
  public AbsenceGuard(TombstoneGrace grace, PauseWatch pauses, StorageEngine engine,
      CompletableFuture<Integer> exit) {
    this.grace = grace;
    this.pauses = pauses;
    this.engine = engine;
    this.exit = exit;
  }

  @Override
  public void beating() {
    pauses.tick();
  }

  @Override
  public Duration maxDown() {
    return holdsNothing ? ManagerClient.NO_LIMIT : grace.horizon();
  }

  @Override
  public void heard() {
    joined = true;
    pauses.settled();
  }

  @Override
  public boolean awayTooLong(Duration downFor) {
    if (joined) {
      log.error("DOWN for {} s while the cluster ran on, more than half the tombstone grace "
          + "({} s): this node may hold keys deleted meanwhile, so it stops; started again, "
          + "it deletes what it holds and pulls every range", downFor.toSeconds(),
          grace.grace().toSeconds());
      exit.complete(1);
      return false;
    }
    log.warn("DOWN for {} s while the cluster ran on, more than half the tombstone grace ({} "
        + "s): this node may hold keys deleted meanwhile, so it deletes what it holds and "
        + "pulls every range", downFor.toSeconds(), grace.grace().toSeconds());
    engine.clear();
    holdsNothing = true;
    return true;
  }

  @Override
  public void left() {
    exit.complete(0);
  }
}

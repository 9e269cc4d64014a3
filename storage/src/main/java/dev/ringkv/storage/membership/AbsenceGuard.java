package dev.ringkv.storage.membership;

import dev.ringkv.ring.NodeState;
import dev.ringkv.storage.engine.StorageEngine;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the heartbeat tells its node, and what it asks. A decommissioned node stops (exit 0). A
 * node must not hand out keys whose deletes it missed and the others purged: so before it first
 * registers, and before it beats again after being out of contact for a while, it reads the
 * manager's table. If the table shows it DOWN for longer than half the tombstone grace (its
 * absence may have begun up to a failure timeout before the manager noticed it; the grace is
 * days, the timeout seconds), the cluster ran on without it: just started, it deletes what it
 * holds and pulls every range; while running, it stops (exit 1; started again, it starts over).
 * Otherwise (the whole cluster, or the manager, was away too) it keeps its data.
 */
public final class AbsenceGuard implements HeartbeatLoop.Events {

  private static final Logger log = LoggerFactory.getLogger(AbsenceGuard.class);

  private final String nodeId;
  private final Duration grace;
  private final ManagerClient manager;
  private final StorageEngine engine;
  private final LongSupplier clockMs;
  private final CompletableFuture<Integer> exit;
  private boolean started;
  private long lastHeardMs;
  private String lastProblem;

  /** @param exit completed with the exit code when the node must stop */
  public AbsenceGuard(String nodeId, Duration grace, ManagerClient manager, StorageEngine engine,
      LongSupplier clockMs, CompletableFuture<Integer> exit) {
    this.nodeId = nodeId;
    this.grace = grace;
    this.manager = manager;
    this.engine = engine;
    this.clockMs = clockMs;
    this.exit = exit;
  }

  @Override
  public boolean mayTakePart() {
    if (exit.isDone()) {
      return false;
    }
    Duration limit = grace.dividedBy(2);
    if (started && clockMs.getAsLong() - lastHeardMs <= limit.toMillis()) {
      return true;
    }
    Optional<Duration> downFor;
    try {
      downFor = manager.table().node(nodeId)
          .filter(n -> n.state() == NodeState.DOWN && n.downSinceMs() > 0)
          .map(n -> Duration.ofMillis(clockMs.getAsLong() - n.downSinceMs()));
    } catch (RuntimeException e) {
      if (!e.toString().equals(lastProblem)) {
        log.warn("cannot read the manager's table to check how long this node was away ({}); "
            + "asking again before it beats", e.toString());
        lastProblem = e.toString();
      }
      return false;
    }
    if (downFor.isPresent() && downFor.get().compareTo(limit) > 0) {
      if (started) {
        log.error("DOWN for {} s while the cluster ran on, more than half the tombstone grace "
            + "({} s): this node may hold keys deleted meanwhile, so it stops; started again, "
            + "it deletes what it holds and pulls every range", downFor.get().toSeconds(),
            grace.toSeconds());
        exit.complete(1);
        return false;
      }
      log.warn("DOWN for {} s while the cluster ran on, more than half the tombstone grace ({} "
          + "s): this node may hold keys deleted meanwhile, so it deletes what it holds and "
          + "pulls every range", downFor.get().toSeconds(), grace.toSeconds());
      engine.clear();
    }
    started = true;
    lastHeardMs = clockMs.getAsLong();
    return true;
  }

  @Override
  public void heard() {
    lastHeardMs = clockMs.getAsLong();
  }

  @Override
  public void left() {
    exit.complete(0);
  }
}

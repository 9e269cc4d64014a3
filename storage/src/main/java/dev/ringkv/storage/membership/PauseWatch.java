package dev.ringkv.storage.membership;

import dev.ringkv.storage.engine.TombstoneGrace;
import java.time.Duration;
import java.util.Optional;

/**
 * Notices that this node's process did not run for longer than half the tombstone grace (it was
 * paused or suspended). Meanwhile the cluster may have marked it DOWN, deleted keys it holds and
 * purged the deletes; so what it holds must not be handed out until the manager has settled it:
 * taken it back, or refused it (then the node stops). The heartbeat ticks the watch at every beat
 * and settles it when the manager answers; a gap between two ticks is a pause. Until the first
 * tick after a pause, the time since the last tick tells the same, so a request served the
 * moment the process runs again is covered too. A manager that does not answer settles nothing,
 * but does not raise the watch either: the beats go on.
 */
public final class PauseWatch {

  private final TombstoneGrace grace;
  private volatile long lastTickMs;
  private volatile long unsettledPauseMs;

  public PauseWatch(TombstoneGrace grace) {
    this.grace = grace;
    this.lastTickMs = grace.nowMs();
  }

  /** A heartbeat begins. */
  public void tick() {
    long now = grace.nowMs();
    if (grace.isPastHorizonSince(lastTickMs, now)) {
      unsettledPauseMs = Math.max(unsettledPauseMs, now - lastTickMs);
    }
    lastTickMs = now;
  }

  /** The manager took the node in after its beat. */
  public void settled() {
    unsettledPauseMs = 0;
  }

  /** How long the node was paused, if it was paused past the horizon and is not settled yet. */
  public Optional<Duration> unsettledPause() {
    long now = grace.nowMs();
    if (unsettledPauseMs == 0 && !grace.isPastHorizonSince(lastTickMs, now)) {
      return Optional.empty(); // the common case: one clock read
    }
    return Optional.of(Duration.ofMillis(Math.max(unsettledPauseMs, now - lastTickMs)));
  }
}

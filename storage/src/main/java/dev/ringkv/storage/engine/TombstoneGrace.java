package dev.ringkv.storage.engine;

import dev.ringkv.version.Version;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The tombstone grace and the two ages it sets. A delete stays on disk as a tombstone until it is
 * older than the grace, time enough for every replica to learn of it; then it is purged. From
 * then on, a record older than that tombstone arriving at a replica that no longer holds the key
 * would bring the deleted key back. Such a record may come late from anywhere: a coordinator's
 * write held up in a process that was paused, a hint, a read repair, a stray copy handed over.
 * So a record older than half the grace (the horizon) is never pushed to a replica lacking its
 * key: the replica refuses it and senders drop it, hints included. The other half of the grace
 * is the margin for clocks that disagree and for a record's time in transit. Copies whose
 * source vouches for them still pass at any age: range sync pulls them from the replicas that
 * hold them, and a node hands over what it held out of place while it cannot have missed the
 * key's deletes for long (see {@code StrayCleanup}).
 */
public final class TombstoneGrace {

  private final Duration grace;
  private final long graceMs;
  private final long horizonMs;
  private final LongSupplier wallClockMs;

  public TombstoneGrace(Duration grace, LongSupplier wallClockMs) {
    if (grace.isNegative() || grace.isZero()) {
      throw new IllegalArgumentException("the tombstone grace must be positive, got " + grace);
    }
    this.grace = grace;
    this.graceMs = grace.toMillis();
    this.horizonMs = graceMs / 2;
    this.wallClockMs = wallClockMs;
  }

  /** Whether {@code version} is older than the grace: a tombstone that old is purged. */
  public boolean isPastGrace(Version version) {
    return version.physicalMs() < wallClockMs.getAsLong() - graceMs;
  }

  /**
   * Whether {@code version} is older than half the grace, so a record at it must not be pushed
   * to a replica that lacks its key.
   */
  public boolean isPastHorizon(Version version) {
    return version.physicalMs() < wallClockMs.getAsLong() - horizonMs;
  }

  /** Half the grace. */
  public Duration horizon() {
    return Duration.ofMillis(horizonMs);
  }

  /** The wall clock the grace is measured on, in ms. */
  public long nowMs() {
    return wallClockMs.getAsLong();
  }

  /** Whether more than half the grace has passed since {@code sinceMs}. */
  public boolean isPastHorizonSince(long sinceMs) {
    return isPastHorizonSince(sinceMs, wallClockMs.getAsLong());
  }

  /** Whether more than half the grace lies between {@code sinceMs} and {@code nowMs}. */
  public boolean isPastHorizonSince(long sinceMs, long nowMs) {
    return nowMs - sinceMs > horizonMs;
  }

  /** How long ago {@code version} was written, for messages. */
  public Duration ageOf(Version version) {
    return Duration.ofMillis(Math.max(0, wallClockMs.getAsLong() - version.physicalMs()));
  }

  public Duration grace() {
    return grace;
  }
}

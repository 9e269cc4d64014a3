package dev.ringkv.storage.metrics;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * What the node's own machinery did, counted where it happens (the coordinator, hint delivery,
 * range sync, stray cleanup) and read by {@link NodeMetrics} when scraped. Plain counters, so
 * the classes that count need nothing of the metrics library.
 */
public final class NodeCounters {

  private final LongAdder readRepairs = new LongAdder();
  private final LongAdder speculativeReads = new LongAdder();
  // By target node.
  private final ConcurrentMap<String, LongAdder> hintsDelivered = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, LongAdder> hintsDropped = new ConcurrentHashMap<>();
  private final LongSupplier clockMs;
  private volatile long lastFullSyncMs;
  private final LongAdder recordsPulled = new LongAdder();
  private final LongAdder strayCopiesDropped = new LongAdder();
  private final LongAdder strayCopiesSent = new LongAdder();
  private volatile long strayCopiesKept;
  // By peer: failures that were timeouts, and the others.
  private final ConcurrentMap<String, LongAdder[]> replicaFailures = new ConcurrentHashMap<>();

  /** Counters that take the time of a full sync pass from the system clock. */
  public NodeCounters() {
    this(System::currentTimeMillis);
  }

  /** @param clockMs the time a full sync pass is recorded at */
  public NodeCounters(LongSupplier clockMs) {
    this.clockMs = clockMs;
  }

  /** A read found a replica behind and wrote the newest version back to it. */
  public void readRepair() {
    readRepairs.increment();
  }

  /** A read's first replicas were slow, so one more was asked. */
  public void speculativeRead() {
    speculativeReads.increment();
  }

  /** A replica read or write to {@code peer} failed (a timeout, or another error). */
  public void replicaFailed(String peer, Throwable error) {
    replicaFailures.computeIfAbsent(peer, p -> new LongAdder[] {new LongAdder(), new LongAdder()})
        [isTimeout(error) ? 0 : 1].increment();
  }

  public void hintsDelivered(String target, long count) {
    hintsDelivered.computeIfAbsent(target, t -> new LongAdder()).add(count);
  }

  public void hintsDropped(String target, long count) {
    hintsDropped.computeIfAbsent(target, t -> new LongAdder()).add(count);
  }

  /** A range sync pass ended with every range the node serves caught up. */
  public void fullSyncPass() {
    lastFullSyncMs = clockMs.getAsLong();
  }

  /** When the last full sync pass ended, in ms since the epoch; 0 if none has yet. */
  public long lastFullSyncMs() {
    return lastFullSyncMs;
  }

  public void recordsPulled(long count) {
    recordsPulled.add(count);
  }

  public void strayCopiesDropped(long count) {
    strayCopiesDropped.add(count);
  }

  public void strayCopiesSent(long count) {
    strayCopiesSent.add(count);
  }

  /**
   * A leaving node's last cleanup pass kept {@code count} copies a new replica lacks, too late
   * to hand them over.
   */
  public void strayCopiesKept(long count) {
    strayCopiesKept = count;
  }

  public long readRepairs() {
    return readRepairs.sum();
  }

  public long speculativeReads() {
    return speculativeReads.sum();
  }

  /** Hints delivered, by target node. */
  public Map<String, Long> hintsDelivered() {
    return sums(hintsDelivered);
  }

  /** Hints dropped, by target node. */
  public Map<String, Long> hintsDropped() {
    return sums(hintsDropped);
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counts) {
    Map<String, Long> sums = new TreeMap<>();
    counts.forEach((key, count) -> sums.put(key, count.sum()));
    return sums;
  }

  public long recordsPulled() {
    return recordsPulled.sum();
  }

  public long strayCopiesDropped() {
    return strayCopiesDropped.sum();
  }

  public long strayCopiesSent() {
    return strayCopiesSent.sum();
  }

  public long strayCopiesKept() {
    return strayCopiesKept;
  }

  /** By peer: {timeouts, other failures}. */
  Map<String, long[]> replicaFailures() {
    Map<String, long[]> failures = new TreeMap<>();
    replicaFailures.forEach((peer, counts) ->
        failures.put(peer, new long[] {counts[0].sum(), counts[1].sum()}));
    return failures;
  }

  private static boolean isTimeout(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof TimeoutException
          || Status.fromThrowable(e).getCode() == Status.Code.DEADLINE_EXCEEDED) {
        return true;
      }
    }
    return false;
  }
}

package dev.ringkv.bench;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When a cluster is warm: the servers' optimizing compiler takes tens of seconds of load on a
 * shared machine before their code runs at full speed, and a server runs for days, so the bench
 * measures the speed it settles at. Warm means the last {@link #WINDOWS} windows' rates are all
 * within {@link #TOLERANCE} of their mean and no longer climbing (the last at most
 * {@link #CLIMB} above the first: on a slow machine the rate can rise by a few percent a window
 * for a minute, each three windows close together), after at least the minimum operations and
 * time; the maximum time ends a warm-up that never settles (a noisy machine).
 */
final class WarmUp {

  static final int WINDOWS = 3;
  static final double TOLERANCE = 0.10;
  static final double CLIMB = 0.05;

  private final long minOps;
  private final double minSeconds;
  private final double maxSeconds;
  private final Deque<Double> rates = new ArrayDeque<>();
  private long ops;
  private double seconds;

  WarmUp(long minOps, double minSeconds, double maxSeconds) {
    this.minOps = minOps;
    this.minSeconds = minSeconds;
    this.maxSeconds = maxSeconds;
  }

  /** Records one window of load: {@code windowOps} operations in {@code windowSeconds}. */
  void record(long windowOps, double windowSeconds) {
    ops += windowOps;
    seconds += windowSeconds;
    rates.addLast(windowOps / windowSeconds);
    if (rates.size() > WINDOWS) {
      rates.removeFirst();
    }
  }

  boolean done() {
    if (seconds >= maxSeconds) {
      return true;
    }
    return ops >= minOps && seconds >= minSeconds && steady();
  }

  /** The last window's rate, to size the next window; 0 before any. */
  double lastRate() {
    return rates.isEmpty() ? 0 : rates.getLast();
  }

  double seconds() {
    return seconds;
  }

  private boolean steady() {
    if (rates.size() < WINDOWS) {
      return false;
    }
    double mean = rates.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    return rates.stream().allMatch(r -> Math.abs(r - mean) <= TOLERANCE * mean)
        && rates.getLast() <= (1 + CLIMB) * rates.getFirst();
  }
}

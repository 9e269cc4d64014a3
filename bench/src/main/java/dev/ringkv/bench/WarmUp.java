package dev.ringkv.bench;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * When a cluster is warm: the servers' optimizing compiler takes tens of seconds of load on a
 * shared machine before their code runs at full speed, and a server runs for days, so the bench
 * measures the speed it settles at. Warm means, after at least the minimum operations and time:
 * the last {@link #CLOSE} windows' rates are all within {@link #TOLERANCE} of their mean, and the
 * rate is no longer climbing: the last {@link #SPAN} windows together ran at most {@link #CLIMB}
 * faster than the {@link #SPAN} before them. The climb is judged over spans of about 20 s because
 * with many nodes on 2 cores the compiler can lift the rate by a few percent a window for minutes,
 * which any three neighbouring windows pass as steady. The maximum time ends a warm-up that never
 * settles (a noisy machine).
 */
final class WarmUp {

  static final int CLOSE = 3;
  static final int SPAN = 4;
  static final double TOLERANCE = 0.10;
  static final double CLIMB = 0.05;

  private record Window(long ops, double seconds) {
    double rate() {
      return ops / seconds;
    }
  }

  private final long minOps;
  private final double minSeconds;
  private final double maxSeconds;
  private final Deque<Window> windows = new ArrayDeque<>();
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
    windows.addLast(new Window(windowOps, windowSeconds));
    if (windows.size() > 2 * SPAN) {
      windows.removeFirst();
    }
  }

  boolean done() {
    if (seconds >= maxSeconds) {
      return true;
    }
    return ops >= minOps && seconds >= minSeconds && closeTogether() && stoppedClimbing();
  }

  /** The last window's rate, to size the next window; 0 before any. */
  double lastRate() {
    return windows.isEmpty() ? 0 : windows.getLast().rate();
  }

  double seconds() {
    return seconds;
  }

  private boolean closeTogether() {
    if (windows.size() < CLOSE) {
      return false;
    }
    double[] last = windows.stream().skip(windows.size() - CLOSE).mapToDouble(Window::rate)
        .toArray();
    double mean = Arrays.stream(last).average().orElseThrow();
    return Arrays.stream(last).allMatch(r -> Math.abs(r - mean) <= TOLERANCE * mean);
  }

  private boolean stoppedClimbing() {
    if (windows.size() < 2 * SPAN) {
      return false;
    }
    return rate(windows.stream().skip(SPAN).toList())
        <= (1 + CLIMB) * rate(windows.stream().limit(SPAN).toList());
  }

  private static double rate(List<Window> span) {
    return span.stream().mapToLong(Window::ops).sum()
        / span.stream().mapToDouble(Window::seconds).sum();
  }
}

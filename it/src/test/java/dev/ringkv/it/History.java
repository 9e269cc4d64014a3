package dev.ringkv.it;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every operation of a fault test, with its start and end, and the checks run on them once the
 * test is over. Each key has one writer, which writes the sequence numbers 1, 2, 3, ... in order,
 * so a key's writes are ordered by sequence, and a read of sequence s names the write it saw.
 * A read that found nothing has sequence -1.
 */
final class History {

  /** One operation; {@code seq} is what a write wrote or a read saw. */
  record Op(boolean write, String key, long seq, long startNanos, long endNanos, boolean ok) {}

  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

  void add(Op op) {
    ops.add(op);
  }

  List<Op> ops() {
    return List.copyOf(ops);
  }

  /** A key's acknowledged writes by the time they were acknowledged. */
  private static final class Acks {
    private final long[] endNanos;
    private final long[] highestSeqSoFar; // the highest sequence acknowledged by endNanos[i]

    Acks(List<Op> writes) {
      List<Op> acked = new ArrayList<>(writes.stream().filter(Op::ok).toList());
      acked.sort((a, b) -> Long.compare(a.endNanos(), b.endNanos()));
      endNanos = new long[acked.size()];
      highestSeqSoFar = new long[acked.size()];
      long highest = -1;
      for (int i = 0; i < acked.size(); i++) {
        highest = Math.max(highest, acked.get(i).seq());
        endNanos[i] = acked.get(i).endNanos();
        highestSeqSoFar[i] = highest;
      }
    }

    /** The highest sequence acknowledged before {@code nanos}; -1 if none. */
    long before(long nanos) {
      int i = Arrays.binarySearch(endNanos, nanos);
      int count = i >= 0 ? i : -i - 1; // acknowledgements strictly before nanos (ties: rare)
      return count == 0 ? -1 : highestSeqSoFar[count - 1];
    }

    long last() {
      return highestSeqSoFar.length == 0 ? -1 : highestSeqSoFar[highestSeqSoFar.length - 1];
    }
  }

  /** What the checks found; each list holds one line per problem. */
  record Verdict(long operations, long failed, List<String> lost, List<String> stale,
      List<String> neverWritten) {
    boolean clean() {
      return failed == 0 && lost.isEmpty() && stale.isEmpty() && neverWritten.isEmpty();
    }

    String summary() {
      return "ops=" + operations + " failed=" + failed + " lost=" + lost.size() + " stale="
          + stale.size() + " never-written=" + neverWritten.size();
    }
  }

  /**
   * Checks the whole history against the keys' final values, read once the cluster settled.
   * <ul>
   *   <li>lost: a key's final value is older than its last acknowledged write;
   *   <li>stale: a read saw an older value, or nothing, though a newer write had been
   *       acknowledged before the read began;
   *   <li>never written: a read saw a sequence no write had even attempted by the time the read
   *       ended.
   * </ul>
   */
  Verdict check(Map<String, Long> finalSeqs) {
    List<Op> all = ops();
    Map<String, List<Op>> writesByKey = new HashMap<>();
    for (Op op : all) {
      if (op.write()) {
        writesByKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    Map<String, Map<Long, Long>> startBySeq = new HashMap<>();
    writesByKey.forEach((key, writes) -> {
      Map<Long, Long> starts = new HashMap<>();
      writes.forEach(w -> starts.put(w.seq(), w.startNanos()));
      startBySeq.put(key, starts);
    });
    Map<String, Acks> acks = new HashMap<>();
    writesByKey.forEach((key, writes) -> acks.put(key, new Acks(writes)));
    Acks none = new Acks(List.of());

    List<String> stale = new ArrayList<>();
    List<String> neverWritten = new ArrayList<>();
    for (Op read : all) {
      if (read.write() || !read.ok()) {
        continue;
      }
      long mustSee = acks.getOrDefault(read.key(), none).before(read.startNanos());
      if (read.seq() < mustSee) {
        stale.add(read.key() + ": read " + read.seq() + ", but s" + mustSee
            + " was acknowledged before the read began");
      }
      Long writeStart = startBySeq.getOrDefault(read.key(), Map.of()).get(read.seq());
      if (read.seq() > 0 && (writeStart == null || writeStart > read.endNanos())) {
        neverWritten.add(read.key() + ": read s" + read.seq() + ", which no write had attempted");
      }
    }
    List<String> lost = new ArrayList<>();
    acks.forEach((key, a) -> {
      long last = a.last();
      long now = finalSeqs.getOrDefault(key, -1L);
      if (now < last) {
        lost.add(key + ": last acknowledged s" + last + ", but it reads " + now);
      }
    });
    long failed = all.stream().filter(op -> !op.ok()).count();
    return new Verdict(all.size(), failed, lost, stale, neverWritten);
  }

  /** Successful operations per second that ended within [fromNanos, toNanos). */
  double throughput(long fromNanos, long toNanos) {
    long count = ops.stream()
        .filter(op -> op.ok() && op.endNanos() >= fromNanos && op.endNanos() < toNanos).count();
    return count / ((toNanos - fromNanos) / 1e9);
  }

  /** The 99th percentile latency in ms of successful operations that ended in the window. */
  long p99Ms(long fromNanos, long toNanos) {
    long[] ms = ops.stream()
        .filter(op -> op.ok() && op.endNanos() >= fromNanos && op.endNanos() < toNanos)
        .mapToLong(op -> (op.endNanos() - op.startNanos()) / 1_000_000).sorted().toArray();
    return ms.length == 0 ? 0 : ms[Math.min(ms.length - 1, (int) (ms.length * 0.99))];
  }
}

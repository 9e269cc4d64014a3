package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.Placement;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.Version;
import dev.ringkv.wire.InFlightBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read's requests: R at first, one more per answer that does not count, and one more if the
 * first are slow (speculative retry). Then the newest version, its value fetched if it was
 * withheld from the first answers, and its write-back to the replicas that answered with an
 * older one (read repair).
 */
final class ReadFanout {

  private static final Logger log = LoggerFactory.getLogger(ReadFanout.class);

  /** Fetches of a withheld value: it may be overwritten by a larger one between them. */
  private static final int FETCH_ATTEMPTS = 3;
  /**
   * How long a fetch waits for room for its value: about a replica timeout. A caller that would
   * wait longer had better retry, perhaps elsewhere.
   */
  static final long ROOM_WAIT_MS = 1_000;

  private final KeyReplicas replicas;
  private final PeerHealth health;
  private final Speculation speculation;
  private final NodeCounters counters;
  private final InFlightBudget room;
  private final String key;
  private final long tableEpoch;
  private final List<Placement> order;
  private final Quorum<ReplicaAnswer> quorum;
  private final List<Quorum.Answer<ReplicaAnswer>> answers = new ArrayList<>();
  private int asked;
  private int answered;
  private Future<?> speculative;
  private Quorum.Answer<ReplicaAnswer> fetchedFor;
  private CompletableFuture<Optional<Record>> fetched;

  /**
   * @param order the key's replicas in the order to ask them
   * @param needed answers that count before the read is answered (R)
   */
  ReadFanout(KeyReplicas replicas, PeerHealth health, Speculation speculation,
      InFlightBudget room, NodeCounters counters, String key, long tableEpoch,
      List<Placement> order, int needed, String operation) {
    this.replicas = replicas;
    this.counters = counters;
    this.health = health;
    this.speculation = speculation;
    this.room = room;
    this.key = key;
    this.tableEpoch = tableEpoch;
    this.order = order;
    this.quorum = new Quorum<>(needed, order.size(), operation);
  }

  synchronized void start() {
    int first = quorum.needed();
    for (int i = 0; i < first; i++) {
      askNext();
    }
    if (asked < order.size() && !quorum.reached().isDone()) {
      speculative = speculation.after(speculation.delayMs(), this::speculate);
    }
  }

  /**
   * The newest record once R answers that count arrived (a tombstone if the key was deleted),
   * its value fetched if it was withheld; empty if no replica that answered holds the key.
   */
  CompletableFuture<Optional<Record>> result() {
    return quorum.reached().thenCompose(answers -> newest(answers).map(this::withValue)
        .orElse(CompletableFuture.completedFuture(Optional.empty())));
  }

  /** The first replicas are slow: ask one more rather than wait for a timeout. */
  private synchronized void speculate() {
    if (!quorum.reached().isDone() && asked < order.size()) {
      log.debug("speculative read of a key on {}", order.get(asked).node().id());
      counters.speculativeRead();
      askNext();
    }
  }

  private void askNext() {
    Placement placement = order.get(asked++);
    String nodeId = placement.node().id();
    long start = speculation.now();
    replicas.read(placement, key, tableEpoch, Coordinator.INLINE_VALUE_BYTES)
        .whenComplete((reply, error) -> onAnswer(nodeId, start, reply, error));
  }

  private synchronized void onAnswer(String nodeId, long start, ReplicaAnswer reply,
      Throwable error) {
    answered++;
    boolean counts = error == null && reply.caughtUp();
    if (!replicas.isSelf(nodeId)) {
      if (error == null) {
        health.succeeded(nodeId);
        speculation.answeredSince(start);
      } else {
        health.failed(nodeId);
        counters.replicaFailed(nodeId, error);
      }
    }
    if (error == null) {
      answers.add(new Quorum.Answer<>(nodeId, reply));
      // A replica still catching up may lack an acknowledged write: its answer is used for
      // the newest value and for repair, but it does not count toward R.
      quorum.succeed(nodeId, reply, reply.caughtUp());
    } else {
      quorum.fail(nodeId, error);
    }
    if (!counts && !quorum.reached().isDone() && asked < order.size()) {
      askNext();
    }
    if (quorum.reached().isDone() && speculative != null) {
      speculative.cancel(false); // done: no timer left behind per read
      speculative = null;
    }
    if (answered == asked) {
      repair(List.copyOf(answers));
    }
  }

  /**
   * The record of {@code answer} with its value, fetched if it was withheld. The reply and
   * the repair of one read share a fetch.
   */
  synchronized CompletableFuture<Optional<Record>> withValue(
      Quorum.Answer<ReplicaAnswer> answer) {
    ReplicaAnswer reply = answer.value();
    if (reply.withheld().isEmpty()) {
      return CompletableFuture.completedFuture(reply.record());
    }
    if (fetched == null || !fetchedFor.equals(answer)) {
      fetchedFor = answer;
      fetched = fetch(placementOf(answer.nodeId()), reply.withheld().get(), FETCH_ATTEMPTS)
          .thenApply(Optional::of);
    }
    return fetched;
  }

  /**
   * Reads a value that was withheld from the first answers, holding room for it until the
   * fetch ends (by then the caller holds the reply and counts it); it waits its turn for that
   * room, up to {@link #ROOM_WAIT_MS}. The value may have been overwritten meanwhile by a larger
   * one: then the fetch asks again with more room.
   */
  private CompletableFuture<Record> fetch(Placement placement, ReplicaAnswer.Withheld withheld,
      int attemptsLeft) {
    int size = withheld.valueBytes();
    return room.holdBytesWhenFree(size)
        .completeOnTimeout(false, ROOM_WAIT_MS, TimeUnit.MILLISECONDS)
        .thenCompose(held -> held ? fetchHeld(placement, withheld, size, attemptsLeft)
            : CompletableFuture.failedFuture(new OverloadedException("no room for a " + size
                + "-byte value within " + ROOM_WAIT_MS + " ms; retry with backoff")));
  }

  private CompletableFuture<Record> fetchHeld(Placement placement,
      ReplicaAnswer.Withheld withheld, int size, int attemptsLeft) {
    return replicas.read(placement, key, 0, size)
        .whenComplete((answer, error) -> room.releaseBytes(size))
        .thenCompose(answer -> {
          if (answer.withheld().isPresent() && attemptsLeft > 1) {
            return fetch(placement, answer.withheld().get(), attemptsLeft - 1);
          }
          Optional<Record> record = answer.record();
          if (record.isEmpty() || withheld.version().isNewerThan(record.get().version())) {
            return CompletableFuture.failedFuture(new UnavailableException(placement.node().id()
                + " no longer answers with the value it reported for the key; retry"));
          }
          return CompletableFuture.completedFuture(record.get());
        });
  }

  /**
   * Writes the newest version back to the replicas that answered with an older one (or none),
   * fetching its value first if it was withheld. Best effort: range sync mends what it misses.
   */
  private void repair(List<Quorum.Answer<ReplicaAnswer>> all) {
    Optional<Quorum.Answer<ReplicaAnswer>> newest = newest(all);
    if (newest.isEmpty()) {
      return;
    }
    Version latest = newest.get().value().version().orElseThrow();
    List<Quorum.Answer<ReplicaAnswer>> stale = all.stream()
        .filter(a -> a.value().version().map(latest::isNewerThan).orElse(true)).toList();
    if (stale.isEmpty()) {
      return;
    }
    withValue(newest.get()).whenComplete((record, error) -> {
      if (error != null) {
        log.debug("read repair skipped: {}", error.toString());
        return;
      }
      for (Quorum.Answer<ReplicaAnswer> answer : stale) {
        writeBack(placementOf(answer.nodeId()), record.orElseThrow());
      }
    });
  }

  private void writeBack(Placement placement, Record latest) {
    String nodeId = placement.node().id();
    log.debug("read repair of a key on {} to version {}", nodeId, latest.version());
    counters.readRepair();
    replicas.write(placement, key, latest).exceptionally(e -> {
      log.debug("read repair on {} failed: {}", nodeId, e.getMessage());
      return null;
    });
  }

  private Placement placementOf(String nodeId) {
    return order.stream().filter(p -> p.node().id().equals(nodeId)).findFirst().orElseThrow();
  }

  /**
   * The answer holding the newest version, or empty if none holds the key. Of equal versions,
   * one that carries its value wins, so that it need not be fetched.
   */
  private static Optional<Quorum.Answer<ReplicaAnswer>> newest(
      List<Quorum.Answer<ReplicaAnswer>> answers) {
    Quorum.Answer<ReplicaAnswer> newest = null;
    for (Quorum.Answer<ReplicaAnswer> answer : answers) {
      Optional<Version> version = answer.value().version();
      if (version.isEmpty()) {
        continue;
      }
      Version best = newest == null ? null : newest.value().version().orElseThrow();
      if (version.get().isNewerThan(best) || version.get().equals(best)
          && newest.value().record().isEmpty() && answer.value().record().isPresent()) {
        newest = answer;
      }
    }
    return Optional.ofNullable(newest);
  }
}

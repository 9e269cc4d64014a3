package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;
import dev.ringkv.wire.InFlightBudget;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs client requests against a key's replicas. Writes go to the whole preference list and
 * succeed after the consistency level's acknowledgements; a replica that fails gets a durable
 * hint held here. Reads ask R replicas (healthy ones first), one more when they are slow to
 * answer (speculative retry), answer with the newest version once R answers that count arrived,
 * and write that version back to replicas seen holding an older one.
 */
public final class Coordinator {

  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  /**
   * Values up to this size come with a read's first answers; a larger one is withheld, and the
   * newest is fetched once there is room for it. So the answers a read waits for take a known,
   * small amount of memory, whatever the values stored.
   */
  public static final int INLINE_VALUE_BYTES = 16 * 1024;
  /** An answer's bytes beyond its value: version, flags and framing. */
  private static final int ANSWER_OVERHEAD_BYTES = 256;
  /** Fetches of a withheld value: it may be overwritten by a larger one between them. */
  private static final int FETCH_ATTEMPTS = 3;

  private final String selfId;
  private final Supplier<RingTable> tables;
  private final LocalReplica local;
  private final ReplicaClient replicas;
  private final KeyHasher hasher;
  private final PeerHealth health;
  private final Speculation speculation;
  private final InFlightBudget room;

  /**
   * @param health what this node has seen of its peers; reads ask suspects last
   * @param speculation when a read asks one more replica
   * @param room the memory large values are fetched into: a fetch holds its value's size
   */
  public Coordinator(String selfId, Supplier<RingTable> tables, LocalReplica local,
      ReplicaClient replicas, KeyHasher hasher, PeerHealth health, Speculation speculation,
      InFlightBudget room) {
    this.room = room;
    this.selfId = selfId;
    this.tables = tables;
    this.local = local;
    this.replicas = replicas;
    this.hasher = hasher;
    this.health = health;
    this.speculation = speculation;
  }

  /**
   * Writes {@code value} (or a tombstone when it is null).
   *
   * @param version the write's version, fixed by the client at its first attempt so that every
   *     retry and every late copy of the request carries the same one; null to stamp one here
   * @return the version written, once enough replicas acknowledged; fails with
   *     {@link UnavailableException} when they cannot
   */
  public CompletableFuture<Version> write(String key, byte[] value, Consistency consistency,
      Version version) {
    RingTable table = tables.get();
    List<Placement> placements = table.preferenceList(hasher.hash(key));
    int needed = consistency.required(table.replicationFactor());
    String operation = consistency + " write";
    if (placements.size() < needed) {
      return CompletableFuture.failedFuture(tooFewUp(operation, needed, placements, table));
    }
    Version stamped;
    if (version == null) {
      // Never stamp below what this node already holds for the key, whatever its wall clock says.
      stamped = local.nextVersionFor(key);
    } else {
      local.observe(version);
      stamped = version;
    }
    Record record = value == null ? Record.tombstone(stamped) : Record.value(stamped, value);
    Quorum<Void> quorum = new Quorum<>(needed, placements.size(), operation);
    for (Placement placement : placements) {
      String nodeId = placement.node().id();
      CompletableFuture<Void> ack = nodeId.equals(selfId)
          ? applyLocally(key, record, placement.hintFor())
          : replicas.write(placement.node(), key, record, placement.hintFor());
      ack.whenComplete((ok, error) -> {
        if (error == null) {
          health.succeeded(nodeId);
          quorum.succeed(nodeId, null);
        } else {
          health.failed(nodeId);
          log.debug("replica write to {} failed, holding a hint: {}", nodeId, error.toString());
          holdHint(placement, key, record);
          quorum.fail(nodeId, error);
        }
      });
    }
    return quorum.reached().thenApply(acks -> stamped);
  }

  /**
   * Reads the newest record of {@code key}: asks R replicas (this node first, if it is one, then
   * the healthy ones), one more for each that fails or has not caught up, and one more if R
   * answers that count have not arrived within the speculative delay. A healthy read costs R - 1
   * calls. Values over {@link #INLINE_VALUE_BYTES} are withheld from these answers; the newest
   * is then fetched from a replica that holds it, once this node has room for it.
   *
   * @return the newest record (a tombstone if the key was deleted), or empty if no replica that
   *     answered holds the key; fails with {@link OverloadedException} when there is no room
   *     for a large value now
   */
  public CompletableFuture<Optional<Record>> read(String key, Consistency consistency) {
    RingTable table = tables.get();
    List<Placement> placements = table.preferenceList(hasher.hash(key));
    int needed = consistency.required(table.replicationFactor());
    String operation = consistency + " read";
    if (placements.size() < needed) {
      return CompletableFuture.failedFuture(tooFewUp(operation, needed, placements, table));
    }
    List<Placement> order = new ArrayList<>(health.healthyFirst(placements, p -> p.node().id()));
    order.sort(Comparator.comparing(p -> !p.node().id().equals(selfId))); // self first, stable
    ReadFanout fanout = new ReadFanout(key, table.epoch(), order, needed, operation);
    fanout.start();
    return fanout.quorum.reached()
        .thenCompose(answers -> newest(answers).map(fanout::withValue)
            .orElse(CompletableFuture.completedFuture(Optional.empty())))
        .thenApply(newest -> {
          newest.ifPresent(r -> local.observe(r.version()));
          return newest;
        });
  }

  /** The most a read's first answers can take in memory: one inline value per replica. */
  public long firstAnswersBytes() {
    return (long) tables.get().replicationFactor() * (INLINE_VALUE_BYTES + ANSWER_OVERHEAD_BYTES);
  }

  /**
   * One read's requests: R at first, one more per answer that does not count, and one more if
   * the first are slow.
   */
  private final class ReadFanout {
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

    ReadFanout(String key, long tableEpoch, List<Placement> order, int needed, String operation) {
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

    /** The first replicas are slow: ask one more rather than wait for a timeout. */
    private synchronized void speculate() {
      if (!quorum.reached().isDone() && asked < order.size()) {
        log.debug("speculative read of a key on {}", order.get(asked).node().id());
        askNext();
      }
    }

    private void askNext() {
      Placement placement = order.get(asked++);
      String nodeId = placement.node().id();
      long start = speculation.now();
      read(placement, tableEpoch, INLINE_VALUE_BYTES)
          .whenComplete((reply, error) -> onAnswer(nodeId, start, reply, error));
    }

    private CompletableFuture<ReplicaAnswer> read(Placement placement, long epoch,
        int maxValueBytes) {
      return placement.node().id().equals(selfId)
          ? readLocally(key, maxValueBytes)
          : replicas.read(placement.node(), key, epoch, maxValueBytes);
    }

    private synchronized void onAnswer(String nodeId, long start, ReplicaAnswer reply,
        Throwable error) {
      answered++;
      boolean counts = error == null && reply.caughtUp();
      if (!nodeId.equals(selfId)) {
        if (error == null) {
          health.succeeded(nodeId);
          speculation.answeredSince(start);
        } else {
          health.failed(nodeId);
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
     * fetch ends (by then the caller holds the reply and counts it). The value may have been
     * overwritten meanwhile by a larger one: then the fetch asks again with more room.
     */
    private CompletableFuture<Record> fetch(Placement placement, ReplicaAnswer.Withheld withheld,
        int attemptsLeft) {
      int size = withheld.valueBytes();
      if (!room.tryHoldBytes(size)) {
        return CompletableFuture.failedFuture(new OverloadedException(selfId
            + " has no room now for a " + size + "-byte value; retry with backoff"));
      }
      return read(placement, 0, size)
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
      CompletableFuture<Void> done = nodeId.equals(selfId)
          ? applyLocally(key, latest, null)
          : replicas.write(placement.node(), key, latest, placement.hintFor());
      done.exceptionally(e -> {
        log.debug("read repair on {} failed: {}", nodeId, e.getMessage());
        return null;
      });
    }

    private Placement placementOf(String nodeId) {
      return order.stream().filter(p -> p.node().id().equals(nodeId)).findFirst().orElseThrow();
    }
  }

  private CompletableFuture<Void> applyLocally(String key, Record record, String hintFor) {
    try {
      local.store(key, record, hintFor);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<ReplicaAnswer> readLocally(String key, int maxValueBytes) {
    try {
      return CompletableFuture.completedFuture(local.read(key, 0, maxValueBytes));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void holdHint(Placement failed, String key, Record record) {
    String target = failed.isFallback() ? failed.hintFor() : failed.node().id();
    if (target.equals(selfId)) {
      return;
    }
    try {
      local.holdHint(target, key, record);
    } catch (RuntimeException e) {
      log.warn("could not store a hint for {}: {}", target, e.getMessage());
    }
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

  private static UnavailableException tooFewUp(String operation, int needed,
      List<Placement> placements, RingTable table) {
    return new UnavailableException(operation + " needs " + needed + " replicas but only "
        + placements.size() + " of the key's nodes are up (table epoch " + table.epoch() + ")");
  }
}

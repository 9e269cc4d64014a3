package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;
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

  private final String selfId;
  private final Supplier<RingTable> tables;
  private final LocalReplica local;
  private final ReplicaClient replicas;
  private final KeyHasher hasher;
  private final PeerHealth health;
  private final Speculation speculation;

  /**
   * @param health what this node has seen of its peers; reads ask suspects last
   * @param speculation when a read asks one more replica
   */
  public Coordinator(String selfId, Supplier<RingTable> tables, LocalReplica local,
      ReplicaClient replicas, KeyHasher hasher, PeerHealth health, Speculation speculation) {
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
   * calls.
   *
   * @return the newest record (a tombstone if the key was deleted), or empty if no replica that
   *     answered holds the key
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
    return fanout.quorum.reached().thenApply(Coordinator::newest).thenApply(newest -> {
      newest.ifPresent(r -> local.observe(r.version()));
      return newest;
    });
  }

  /**
   * One read's requests: R at first, one more per answer that does not count, and one more if
   * the first are slow.
   */
  private final class ReadFanout {
    private final String key;
    private final long tableEpoch;
    private final List<Placement> order;
    private final Quorum<Optional<Record>> quorum;
    private final List<Quorum.Answer<Optional<Record>>> answers = new ArrayList<>();
    private int asked;
    private int answered;
    private Future<?> speculative;

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
      CompletableFuture<ReplicaAnswer> answer = nodeId.equals(selfId)
          ? readLocally(key)
          : replicas.read(placement.node(), key, tableEpoch);
      answer.whenComplete((reply, error) -> onAnswer(nodeId, start, reply, error));
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
        answers.add(new Quorum.Answer<>(nodeId, reply.record()));
        // A replica still catching up may lack an acknowledged write: its answer is used for
        // the newest value and for repair, but it does not count toward R.
        quorum.succeed(nodeId, reply.record(), reply.caughtUp());
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
        repair(key, List.copyOf(answers), order);
      }
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

  private CompletableFuture<ReplicaAnswer> readLocally(String key) {
    try {
      return CompletableFuture.completedFuture(local.read(key, 0));
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

  private void repair(String key, List<Quorum.Answer<Optional<Record>>> answers,
      List<Placement> placements) {
    Optional<Record> newest = newest(answers);
    if (newest.isEmpty()) {
      return;
    }
    Record latest = newest.get();
    for (Quorum.Answer<Optional<Record>> answer : answers) {
      if (answer.value().isPresent() && !latest.supersedes(answer.value().get())) {
        continue;
      }
      Placement placement = placements.stream()
          .filter(p -> p.node().id().equals(answer.nodeId())).findFirst().orElseThrow();
      log.debug("read repair of a key on {} to version {}", answer.nodeId(), latest.version());
      CompletableFuture<Void> done = answer.nodeId().equals(selfId)
          ? applyLocally(key, latest, null)
          : replicas.write(placement.node(), key, latest, placement.hintFor());
      done.exceptionally(e -> {
        log.debug("read repair on {} failed: {}", answer.nodeId(), e.getMessage());
        return null;
      });
    }
  }

  private static Optional<Record> newest(List<Quorum.Answer<Optional<Record>>> answers) {
    Record newest = null;
    for (Quorum.Answer<Optional<Record>> answer : answers) {
      Record r = answer.value().orElse(null);
      if (r != null && r.supersedes(newest)) {
        newest = r;
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

package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.Placement;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.Version;
import dev.ringkv.wire.InFlightBudget;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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

  private final String selfId;
  private final Supplier<RingTable> tables;
  private final LocalReplica local;
  private final KeyReplicas replicas;
  private final KeyHasher hasher;
  private final PeerHealth health;
  private final Speculation speculation;
  private final NodeCounters counters;
  private final InFlightBudget room;

  /**
   * @param health what this node has seen of its peers; reads ask suspects last
   * @param speculation when a read asks one more replica
   * @param room the memory large values are fetched into: a fetch holds its value's size
   */
  public Coordinator(String selfId, Supplier<RingTable> tables, LocalReplica local,
      ReplicaClient replicas, KeyHasher hasher, PeerHealth health, Speculation speculation,
      InFlightBudget room, NodeCounters counters) {
    this.room = room;
    this.counters = counters;
    this.selfId = selfId;
    this.tables = tables;
    this.local = local;
    this.replicas = new KeyReplicas(selfId, local, replicas);
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
      replicas.write(placement, key, record).whenComplete((ok, error) -> {
        if (error == null) {
          health.succeeded(nodeId);
          quorum.succeed(nodeId, null);
        } else {
          health.failed(nodeId);
          counters.replicaFailed(nodeId, error);
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
    ReadFanout fanout = new ReadFanout(replicas, health, speculation, room, counters, key,
        table.epoch(), order, needed, operation);
    fanout.start();
    return fanout.result().thenApply(newest -> {
      newest.ifPresent(r -> local.observe(r.version()));
      return newest;
    });
  }

  /**
   * What a write of {@code valueBytes} brings into memory beyond its request while it is served:
   * a copy of the value for this node's store and one for each other replica's message.
   */
  public long writeCopiesBytes(long valueBytes) {
    return valueBytes * tables.get().replicationFactor();
  }

  /** The most a read's first answers can take in memory: one inline value per replica. */
  public long firstAnswersBytes() {
    return (long) tables.get().replicationFactor() * (INLINE_VALUE_BYTES + ANSWER_OVERHEAD_BYTES);
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

  private static UnavailableException tooFewUp(String operation, int needed,
      List<Placement> placements, RingTable table) {
    return new UnavailableException(operation + " needs " + needed + " replicas but only "
        + placements.size() + " of the key's nodes are up (table epoch " + table.epoch() + ")");
  }
}

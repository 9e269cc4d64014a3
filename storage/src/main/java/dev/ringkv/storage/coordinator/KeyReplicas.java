package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.Placement;
import dev.ringkv.storage.engine.Record;
import java.util.concurrent.CompletableFuture;

/**
 * The replicas of a key as a coordinator reaches them: itself directly, its peers over the
 * network. The one place that tells the two apart.
 */
final class KeyReplicas {

  private final String selfId;
  private final LocalReplica local;
  private final ReplicaClient peers;

  KeyReplicas(String selfId, LocalReplica local, ReplicaClient peers) {
    this.selfId = selfId;
    this.local = local;
    this.peers = peers;
  }

  boolean isSelf(String nodeId) {
    return nodeId.equals(selfId);
  }

  /** Stores {@code record} on the replica at {@code placement}, with its hint if it has one. */
  CompletableFuture<Void> write(Placement placement, String key, Record record) {
    if (!isSelf(placement.node().id())) {
      return peers.write(placement.node(), key, record, placement.hintFor());
    }
    try {
      local.store(key, record, placement.hintFor());
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** What the replica at {@code placement} holds, its value withheld if over the limit. */
  CompletableFuture<ReplicaAnswer> read(Placement placement, String key, long tableEpoch,
      int maxValueBytes) {
    if (!isSelf(placement.node().id())) {
      return peers.read(placement.node(), key, tableEpoch, maxValueBytes);
    }
    try {
      // This node's own table is the newest it knows: no epoch to compare against.
      return CompletableFuture.completedFuture(local.read(key, 0, maxValueBytes));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}

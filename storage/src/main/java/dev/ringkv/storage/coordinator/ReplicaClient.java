package dev.ringkv.storage.coordinator;

import dev.ringkv.ring.Node;
import dev.ringkv.storage.engine.Record;
import java.util.concurrent.CompletableFuture;

/** How a node reaches the other replicas. Implementations bound each call by a deadline. */
public interface ReplicaClient {

  /**
   * Stores {@code record} on {@code target}; {@code hintFor} names the home replica the target
   * stands in for, or is null when the target is a home replica.
   */
  CompletableFuture<Void> write(Node target, String key, Record record, String hintFor);

  /**
   * The record {@code target} holds for {@code key} (tombstones included), and whether it counts:
   * it does only if the target has caught up on the key's range and holds a table at least as
   * new as {@code tableEpoch}, the caller's. A value over {@code maxValueBytes} is withheld: the
   * caller has made room for no more.
   */
  CompletableFuture<ReplicaAnswer> read(Node target, String key, long tableEpoch,
      int maxValueBytes);
}

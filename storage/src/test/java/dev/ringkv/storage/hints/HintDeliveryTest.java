package dev.ringkv.storage.hints;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.ReplicaAnswer;
import dev.ringkv.storage.coordinator.ReplicaClient;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.Version;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class HintDeliveryTest {

  private final MemoryStorageEngine holder = new MemoryStorageEngine();
  private final Map<String, Record> delivered = new ConcurrentHashMap<>();
  private final Set<String> unreachable = new HashSet<>();
  private RingTable table = table(NodeState.UP);

  private static RingTable table(NodeState targetState) {
    return RingTable.of("c", 1, 2, List.of(
        new Node("holder", "h:1", NodeState.UP, List.of(1L)),
        new Node("target", "h:2", targetState, List.of(2L))));
  }

  private final ReplicaClient network = new ReplicaClient() {
    @Override
    public CompletableFuture<Void> write(Node target, String key, Record record, String hintFor) {
      if (unreachable.contains(target.id())) {
        return CompletableFuture.failedFuture(new RuntimeException("connection refused"));
      }
      delivered.put(target.id() + "/" + key, record);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<ReplicaAnswer> read(Node target, String key, long tableEpoch,
        int maxValueBytes) {
      throw new UnsupportedOperationException();
    }
  };

  private final NodeCounters counters = new NodeCounters();
  /** Every hint in these tests is younger than half the grace, except where said. */
  private long now = 0;
  private final HintDelivery delivery = new HintDelivery(holder, network, () -> table, () -> 0,
      counters, new TombstoneGrace(Duration.ofSeconds(10), () -> now));

  private static Record record(long ms) {
    return Record.value(new Version(ms, 0, "holder"), new byte[] {(byte) ms});
  }

  @Test
  void hintsForAnUpTargetAreDeliveredAndThenDeleted() {
    for (int i = 0; i < 600; i++) { // more than one batch
      holder.addHint("target", "k" + i, record(i));
    }
    delivery.run();
    assertThat(delivered).hasSize(600).containsEntry("target/k7", record(7));
    assertThat(holder.hintCount()).isZero();
    assertThat(counters.hintsDelivered()).containsExactly(Map.entry("target", 600L));
  }

  @Test
  void hintsWaitWhileTheTargetIsDownOrUnreachable() {
    holder.addHint("target", "k", record(1));
    table = table(NodeState.DOWN);
    delivery.run();
    assertThat(delivered).isEmpty();

    table = table(NodeState.UP);
    unreachable.add("target");
    delivery.run();
    assertThat(delivered).isEmpty();
    assertThat(holder.hintCount()).isEqualTo(1);

    unreachable.clear();
    delivery.run();
    assertThat(delivered).containsOnlyKeys("target/k");
    assertThat(holder.hintCount()).isZero();
  }

  @Test
  void hintsOlderThanHalfTheGraceAreDroppedNotDelivered() {
    now = 100_000;
    holder.addHint("target", "old", record(now - 5_001));
    holder.addHint("target", "young", record(now - 4_999));

    delivery.run();

    assertThat(delivered).containsOnlyKeys("target/young");
    assertThat(holder.hintCount()).isZero();
    assertThat(counters.hintsDropped()).containsExactly(Map.entry("target", 1L));
  }

  @Test
  void hintsForANodeThatLeftTheTableAreDropped() {
    holder.addHint("gone", "k", record(1));
    delivery.run();
    assertThat(holder.hintCount()).isZero();
    assertThat(delivered).isEmpty();
  }
}

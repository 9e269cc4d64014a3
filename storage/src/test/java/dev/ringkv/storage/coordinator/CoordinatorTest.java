package dev.ringkv.storage.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.PeerHealth;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.membership.PauseWatch;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import dev.ringkv.wire.InFlightBudget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's quorum, hint and repair logic over in-memory replicas. Every key hashes to
 * token 0, so its home replicas are n1, n2, n3 in that order (tokens 10, 20, 30; n4 at 40).
 */
class CoordinatorTest {

  private static final TombstoneGrace GRACE =
      new TombstoneGrace(Duration.ofDays(3), () -> 0L);

  private final AtomicLong wall = new AtomicLong(1_000);
  private final Map<String, MemoryStorageEngine> engines = new HashMap<>();
  private final Map<String, LocalReplica> replicas = new HashMap<>();
  private final Set<String> unreachable = new HashSet<>();
  private final Set<String> catchingUp = new HashSet<>();
  private final Set<String> hung = new HashSet<>();
  private final Map<String, Long> tableEpochs = new HashMap<>();
  private final List<Runnable> speculativeReads = new ArrayList<>();
  private final PeerHealth health = new PeerHealth(wall::get, 500, 5_000, 1_000);
  private final List<String> readsAsked = new ArrayList<>(); // "n2 up to 16384"
  private final Map<String, Record> landsOnFetch = new HashMap<>(); // written as a fetch comes
  private InFlightBudget room = new InFlightBudget(100, 10_000_000);
  private final NodeCounters counters = new NodeCounters();
  private RingTable table;

  @BeforeEach
  void cluster() {
    for (String id : List.of("n1", "n2", "n3", "n4")) {
      MemoryStorageEngine engine = new MemoryStorageEngine();
      engines.put(id, engine);
      replicas.put(id, new LocalReplica(engine, new HybridClock(id, wall::get),
          key -> !catchingUp.contains(id), () -> tableEpochs.getOrDefault(id, table.epoch()),
          GRACE, new PauseWatch(GRACE)));
    }
    table = table(NodeState.UP);
  }

  private static RingTable table(NodeState n2State) {
    return RingTable.of("c", 1, 3, List.of(
        new Node("n1", "h:1", NodeState.UP, List.of(10L)),
        new Node("n2", "h:2", n2State, List.of(20L)),
        new Node("n3", "h:3", NodeState.UP, List.of(30L)),
        new Node("n4", "h:4", NodeState.UP, List.of(40L))));
  }

  /** Peers reached in memory; a node in {@code unreachable} fails like a dead process. */
  private final ReplicaClient network = new ReplicaClient() {
    @Override
    public CompletableFuture<Void> write(Node target, String key, Record record, String hintFor) {
      if (unreachable.contains(target.id())) {
        return CompletableFuture.failedFuture(new RuntimeException("connection refused"));
      }
      replicas.get(target.id()).store(key, record, hintFor);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<ReplicaAnswer> read(Node target, String key, long tableEpoch,
        int maxValueBytes) {
      readsAsked.add(target.id() + " up to " + maxValueBytes);
      boolean fetch = maxValueBytes > Coordinator.INLINE_VALUE_BYTES;
      if (fetch && landsOnFetch.containsKey(target.id())) {
        engines.get(target.id()).apply(key, landsOnFetch.remove(target.id()));
      }
      if (unreachable.contains(target.id())) {
        return CompletableFuture.failedFuture(new RuntimeException("connection refused"));
      }
      if (hung.contains(target.id())) {
        return new CompletableFuture<>(); // reachable in name only: never answers
      }
      return CompletableFuture.completedFuture(
          replicas.get(target.id()).read(key, tableEpoch, maxValueBytes));
    }
  };

  private Coordinator coordinatorOn(String id) {
    return new Coordinator(id, () -> table, replicas.get(id), network, key -> 0L, health,
        new Speculation((task, delayMs) -> {
          speculativeReads.add(task);
          return new CompletableFuture<>();
        }, System::nanoTime, 10, 250), room, counters);
  }

  private Version write(Coordinator c, String value) {
    return c.write("k", value == null ? null : bytes(value), Consistency.QUORUM, null).join();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void quorumWriteSucceedsWithOneReplicaDownAndHoldsAHintForIt() {
    unreachable.add("n3");
    Version v = write(coordinatorOn("n1"), "v");
    assertThat(engines.get("n1").get("k")).contains(Record.value(v, bytes("v")));
    assertThat(engines.get("n2").get("k")).contains(Record.value(v, bytes("v")));
    assertThat(engines.get("n1").hintsFor("n3", 10)).extracting(h -> h.record().version())
        .containsExactly(v);
  }

  @Test
  void writeFailsAsUnavailableWhenTooFewReplicasAcknowledge() {
    unreachable.addAll(List.of("n2", "n3"));
    assertThatThrownBy(() -> write(coordinatorOn("n1"), "v"))
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(UnavailableException.class)
        .hasMessageContaining("QUORUM write needs 2 of 3 replicas, and 2 cannot answer")
        .hasMessageContaining("n2: connection refused");
  }

  @Test
  void writeToADownHomeReplicaGoesToTheNextNodeWithAHint() {
    table = table(NodeState.DOWN);
    coordinatorOn("n1").write("k", bytes("v"), Consistency.ALL, null).join();
    assertThat(engines.get("n4").get("k")).isPresent();
    assertThat(engines.get("n4").hintsFor("n2", 10)).hasSize(1);
    assertThat(engines.get("n2").get("k")).isEmpty();
  }

  @Test
  void readReturnsTheNewestVersionAndRepairsStaleReplicas() {
    Record old = Record.value(new Version(1, 0, "n1"), bytes("old"));
    Record fresh = Record.value(new Version(2, 0, "n3"), bytes("new"));
    engines.get("n1").apply("k", old);
    engines.get("n2").apply("k", old);
    engines.get("n3").apply("k", fresh);

    Optional<Record> read = coordinatorOn("n1").read("k", Consistency.ALL).join();

    assertThat(read).contains(fresh);
    assertThat(engines.get("n1").get("k")).contains(fresh);
    assertThat(engines.get("n2").get("k")).contains(fresh);
    assertThat(counters.readRepairs()).as("replicas repaired").isEqualTo(2);
  }

  @Test
  void aWriteStampedAfterSeeingANewerVersionIsNewerEvenWithALaggingClock() {
    Record fromTheFuture = Record.value(new Version(9_999, 3, "n2"), bytes("future"));
    engines.get("n1").apply("k", fromTheFuture);
    Version v = write(coordinatorOn("n1"), "later");
    assertThat(v).isGreaterThan(fromTheFuture.version());
    assertThat(coordinatorOn("n2").read("k", Consistency.QUORUM).join().orElseThrow().value())
        .isEqualTo(bytes("later"));
  }

  @Test
  void deletesAreTombstonesThatHideOlderValues() {
    Coordinator c = coordinatorOn("n1");
    write(c, "v");
    wall.incrementAndGet();
    write(c, null);
    assertThat(c.read("k", Consistency.QUORUM).join().orElseThrow().isTombstone()).isTrue();
  }

  @Test
  void aReplicaStillCatchingUpDoesNotCountTowardTheReadQuorum() {
    Record written = Record.value(new Version(5, 0, "n1"), bytes("acknowledged"));
    engines.get("n3").apply("k", written);
    catchingUp.add("n2"); // n2 holds nothing yet: its "not found" must not be believed
    unreachable.add("n3");
    assertThatThrownBy(() -> coordinatorOn("n1").read("k", Consistency.QUORUM).join())
        .hasCauseInstanceOf(UnavailableException.class)
        .hasMessageContaining("n2: still catching up on this key's range");

    unreachable.clear();
    assertThat(coordinatorOn("n1").read("k", Consistency.QUORUM).join()).contains(written);
  }

  @Test
  void aLateCopyOfAWriteKeepsItsVersionAndCannotOverwriteANewerWrite() {
    Coordinator c = coordinatorOn("n1");
    Version first = new Version(1_000, 0, "client-a");
    Version second = new Version(1_000, 1, "client-a");
    c.write("k", bytes("second"), Consistency.QUORUM, second).join();
    wall.addAndGet(5_000); // the first attempt, delayed by a pause, arrives much later
    Version applied = c.write("k", bytes("first"), Consistency.QUORUM, first).join();

    assertThat(applied).isEqualTo(first);
    for (String id : List.of("n1", "n2", "n3")) {
      assertThat(engines.get(id).get("k").orElseThrow().value()).as(id).isEqualTo(bytes("second"));
    }
    assertThat(c.read("k", Consistency.QUORUM).join().orElseThrow().version()).isEqualTo(second);
  }

  @Test
  void aReplicaHoldingAnOlderTableThanTheCoordinatorDoesNotCount() {
    Record written = Record.value(new Version(5, 0, "n1"), bytes("acknowledged"));
    engines.get("n1").apply("k", written);
    engines.get("n3").apply("k", written);
    // n2 was declared DOWN and UP again in tables it has not seen: it missed the write.
    tableEpochs.put("n2", table.epoch() - 1);
    unreachable.add("n3");
    assertThatThrownBy(() -> coordinatorOn("n1").read("k", Consistency.ALL).join())
        .hasCauseInstanceOf(UnavailableException.class)
        .hasMessageContaining("n2: still catching up");
    unreachable.clear();
    assertThat(coordinatorOn("n1").read("k", Consistency.QUORUM).join()).contains(written);
  }

  @Test
  void aReadWhoseReplicaHangsAsksOneMoreAfterTheSpeculativeDelayAndThenAvoidsIt() {
    Record written = Record.value(new Version(5, 0, "n1"), bytes("v"));
    List.of("n1", "n2", "n3").forEach(id -> engines.get(id).apply("k", written));
    hung.add("n2");
    CompletableFuture<Optional<Record>> read = coordinatorOn("n1").read("k", Consistency.QUORUM);
    assertThat(read).as("n1 answered, n2 hangs").isNotDone();
    assertThat(speculativeReads).hasSize(1);
    speculativeReads.forEach(Runnable::run);
    assertThat(read).isCompletedWithValue(Optional.of(written));

    health.failed("n2"); // what its replica timeout reports in the end
    speculativeReads.clear();
    assertThat(coordinatorOn("n1").read("k", Consistency.QUORUM))
        .as("the suspect is asked last: no wait at all").isCompletedWithValue(Optional.of(written));
  }

  @Test
  void aLargeValueIsWithheldFromTheFirstAnswersThenFetchedOnceFromTheNewestAndRepaired() {
    int large = Coordinator.INLINE_VALUE_BYTES + 1;
    Record old = Record.value(new Version(1, 0, "n1"), new byte[large]);
    Record fresh = Record.value(new Version(2, 0, "n3"), new byte[large]);
    engines.get("n1").apply("k", old);
    engines.get("n2").apply("k", old);
    engines.get("n3").apply("k", fresh);

    Optional<Record> read = coordinatorOn("n1").read("k", Consistency.ALL).join();

    assertThat(read).contains(fresh);
    assertThat(readsAsked).as("remote first answers carry no large value; one fetch, from n3")
        .containsExactlyInAnyOrder("n2 up to " + Coordinator.INLINE_VALUE_BYTES,
            "n3 up to " + Coordinator.INLINE_VALUE_BYTES, "n3 up to " + large);
    assertThat(engines.get("n1").get("k")).contains(fresh);
    assertThat(engines.get("n2").get("k")).contains(fresh);
    assertThat(room.heldBytes()).as("the fetch gave its room back").isZero();
  }

  @Test
  void aWriteCountsAValueCopyForEveryReplicaItGoesTo() {
    assertThat(coordinatorOn("n1").writeCopiesBytes(1_000))
        .as("this node's store and the other replicas' messages, at rf %d",
            table.replicationFactor())
        .isEqualTo(1_000L * table.replicationFactor());
  }

  @Test
  void aLargeValueWithNoRoomForItWithinTheWaitFailsAsOverloadedAndHoldsNothing() {
    room = new InFlightBudget(100, Coordinator.INLINE_VALUE_BYTES);
    Record big = Record.value(new Version(1, 0, "n1"), new byte[2 * Coordinator.INLINE_VALUE_BYTES]);
    List.of("n1", "n2", "n3").forEach(id -> engines.get(id).apply("k", big));

    assertThatThrownBy(() -> coordinatorOn("n1").read("k", Consistency.QUORUM).join())
        .hasCauseInstanceOf(OverloadedException.class)
        .hasMessageContaining("no room for a " + 2 * Coordinator.INLINE_VALUE_BYTES
            + "-byte value within " + ReadFanout.ROOM_WAIT_MS + " ms");
    assertThat(room.heldBytes()).isZero();

    room = new InFlightBudget(100, 10 * Coordinator.INLINE_VALUE_BYTES);
    assertThat(coordinatorOn("n1").read("k", Consistency.QUORUM).join()).contains(big);
  }

  @Test
  void aValueOverwrittenByALargerOneBetweenAnswerAndFetchIsFetchedAgainWithMoreRoom() {
    int large = Coordinator.INLINE_VALUE_BYTES + 1;
    engines.get("n1").apply("k", Record.value(new Version(1, 0, "n1"), new byte[large]));
    engines.get("n2").apply("k", Record.value(new Version(2, 0, "n2"), new byte[large]));
    unreachable.add("n3");
    // n2 answers with the newest version; before it is fetched, a larger value lands there.
    Record larger = Record.value(new Version(3, 0, "n2"), new byte[3 * large]);
    landsOnFetch.put("n2", larger);

    assertThat(coordinatorOn("n1").read("k", Consistency.QUORUM).join()).contains(larger);
    assertThat(readsAsked).contains("n2 up to " + large, "n2 up to " + 3 * large);
    assertThat(room.heldBytes()).isZero();
  }
}

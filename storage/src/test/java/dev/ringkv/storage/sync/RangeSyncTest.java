package dev.ringkv.storage.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.membership.PauseWatch;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Two nodes, replication factor 2, so both serve every range. Keys "a".."e" have tokens 1..5;
 * n1 owns token 10 and n2 token 20, so the ranges are (20, 10] and (10, 20].
 */
class RangeSyncTest {

  /** Every version in these tests is younger than half of it. */
  private static final TombstoneGrace GRACE = new TombstoneGrace(Duration.ofDays(3), () -> 0L);
  private static final PauseWatch NEVER_PAUSED = new PauseWatch(GRACE);

  private static final KeyHasher HASHER = key -> key.charAt(0) - 'a' + 1L;
  private final AtomicReference<RingTable> table = new AtomicReference<>(table(NodeState.UP));
  private final Map<String, MemoryStorageEngine> engines = Map.of(
      "n1", new MemoryStorageEngine(HASHER), "n2", new MemoryStorageEngine(HASHER));

  private static RingTable table(NodeState n1State) {
    return RingTable.of("c", 1, 2, List.of(
        new Node("n1", "h:1", n1State, List.of(10L)),
        new Node("n2", "h:2", NodeState.UP, List.of(20L))));
  }

  private final EnginePeers network = new EnginePeers(engines);
  private static final BiConsumer<String, Record> ACCEPT_ALL = (key, record) -> {};

  private static Record value(long ms, String v) {
    return Record.value(new Version(ms, 0, "n1"), v.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aNodeThatJoinsARangeIsNotCaughtUpUntilItPulledItAndThenHoldsTheNewestVersions() {
    MemoryStorageEngine n1 = engines.get("n1");
    n1.apply("a", value(1, "a1"));
    n1.apply("b", value(2, "b2"));
    engines.get("n2").apply("b", value(1, "b-old"));
    engines.get("n2").apply("c", value(9, "c-only-on-n2"));

    SyncState state = new SyncState("n2", table::get, HASHER);
    state.onTable(table.get());
    assertThat(state.isCaughtUp("a")).isFalse();
    assertThat(state.pending()).hasSize(2);

    MemoryStorageEngine n2 = engines.get("n2");
    LocalReplica local = new LocalReplica(n2, new HybridClock("n2", () -> 0L), state::isCaughtUp,
        () -> table.get().epoch(), GRACE, NEVER_PAUSED);
    new RangeSync(state, n2, local, network, table::get, 1000, ACCEPT_ALL, new NodeCounters())
        .run();

    assertThat(state.isCaughtUp("a")).isTrue();
    assertThat(state.allCaughtUp()).isTrue();
    assertThat(n2.get("a")).contains(value(1, "a1"));
    assertThat(n2.get("b")).as("the newer version wins").contains(value(2, "b2"));
    assertThat(n2.get("c")).as("what only n2 had stays").contains(value(9, "c-only-on-n2"));
  }

  @Test
  void rangesAPeerHoldsAlikeAreSettledByOneDigestCallAndOnlyTheOthersAreListed() {
    for (MemoryStorageEngine e : engines.values()) {
      e.apply("a", value(1, "same")); // range (20, 10]: alike on both
    }
    engines.get("n1").apply("m", value(2, "only-on-n1")); // range (10, 20]: differs

    SyncState state = new SyncState("n2", table::get, HASHER);
    state.onTable(table.get());
    MemoryStorageEngine n2 = engines.get("n2");
    LocalReplica local = new LocalReplica(n2, new HybridClock("n2", () -> 0L), state::isCaughtUp,
        () -> table.get().epoch(), GRACE, NEVER_PAUSED);
    NodeCounters counters = new NodeCounters(() -> 42_000);
    new RangeSync(state, n2, local, network, table::get, 1000, ACCEPT_ALL, counters).run();

    assertThat(state.allCaughtUp()).isTrue();
    assertThat(counters.lastFullSyncMs()).as("the full pass, recorded").isEqualTo(42_000);
    assertThat(counters.recordsPulled()).isEqualTo(1);
    assertThat(n2.get("m")).contains(value(2, "only-on-n1"));
    assertThat(network.digestCalls).as("digest calls to n1").isEqualTo(1);
    assertThat(network.listingCalls).as("ranges listed: only the one that differed")
        .isEqualTo(1);
  }

  @Test
  void aRecordAPeerSendsThatAClientCouldNotWriteIsRefused() {
    engines.get("n1").apply("a", value(1, "fine"));
    engines.get("n1").apply("b", value(999_999, "from the far future"));
    SyncState state = new SyncState("n2", table::get, HASHER);
    state.onTable(table.get());
    MemoryStorageEngine n2 = engines.get("n2");
    LocalReplica local = new LocalReplica(n2, new HybridClock("n2", () -> 0L), state::isCaughtUp,
        () -> table.get().epoch(), GRACE, NEVER_PAUSED);
    BiConsumer<String, Record> noFuture = (key, record) -> {
      if (record.version().physicalMs() > 1000) {
        throw new IllegalArgumentException("version too far ahead");
      }
    };

    new RangeSync(state, n2, local, network, table::get, 1000, noFuture, new NodeCounters())
        .run();

    assertThat(n2.get("a")).contains(value(1, "fine"));
    assertThat(n2.get("b")).isEmpty();
  }

  @Test
  void aPeerComingBackMakesRangesPendingButTheyStayCaughtUp() {
    SyncState state = new SyncState("n2", table::get, HASHER);
    table.set(table(NodeState.DOWN));
    state.onTable(table.get());
    assertThat(state.allCaughtUp()).as("no live peer to pull from").isTrue();
    assertThat(state.isCaughtUp("a")).isTrue();

    table.set(table(NodeState.UP));
    state.onTable(table.get());
    assertThat(state.pending()).hasSize(2);
    assertThat(state.isCaughtUp("a")).isTrue();
  }

  @Test
  void aTableAdoptedButNotYetWorkedOutIsNotCaughtUp() {
    // A restarted node: the table is in use (its epoch is reported) before the sync state has
    // made its ranges pending, and nothing is pending yet.
    SyncState state = new SyncState("n2", table::get, HASHER);
    assertThat(state.allCaughtUp()).as("no table seen yet").isFalse();
    state.onTable(table.get());
    state.pending().forEach(state::pulled);
    assertThat(state.allCaughtUp()).isTrue();

    table.set(RingTable.of("c", 2, 2, List.of(
        new Node("n1", "h:1", NodeState.UP, List.of(10L)),
        new Node("n2", "h:2", NodeState.UP, List.of(20L), 1))));
    assertThat(state.allCaughtUp()).as("a newer table in use, its ranges not worked out").isFalse();
    state.onTable(table.get());
    assertThat(state.allCaughtUp()).isFalse();
  }

  @Test
  void aPullThatStartedBeforeANewerReasonDoesNotClearIt() {
    SyncState state = new SyncState("n2", table::get, HASHER);
    state.onTable(table.get());
    Map<TokenRange, Long> started = state.pending();
    table.set(table(NodeState.DOWN));
    state.onTable(table.get());
    table.set(table(NodeState.UP));
    state.onTable(table.get()); // n1 came back: pending again with a newer generation
    started.forEach(state::pulled);
    assertThat(state.allCaughtUp()).isFalse();
  }

  @Test
  void aNewIncarnationOfThisNodeMeansItWasDeclaredDownAndStartsEveryRangeOver() {
    SyncState state = new SyncState("n2", table::get, HASHER);
    state.onTable(table.get());
    state.pending().forEach(state::pulled);
    assertThat(state.isCaughtUp("a")).isTrue();

    // n2 was declared DOWN and UP again in tables it never saw: it may have missed writes.
    table.set(RingTable.of("c", 3, 2, List.of(
        new Node("n1", "h:1", NodeState.UP, List.of(10L)),
        new Node("n2", "h:2", NodeState.UP, List.of(20L), 1))));
    state.onTable(table.get());
    assertThat(state.isCaughtUp("a")).isFalse();
    assertThat(state.pending()).hasSize(2);
  }

  @Test
  void standInsThatOnlySyncedWithEachOtherAreNotCaughtUpUntilOneCanVouch() {
    // Keys "a".."e" (tokens 1..5) have home replicas h1 and h2, both DOWN: f1 and f2 stand in.
    Map<String, MemoryStorageEngine> nodes = Map.of("h1", new MemoryStorageEngine(HASHER),
        "h2", new MemoryStorageEngine(HASHER), "f1", new MemoryStorageEngine(HASHER),
        "f2", new MemoryStorageEngine(HASHER));
    AtomicReference<RingTable> standIns = new AtomicReference<>(RingTable.of("c", 5, 2, List.of(
        new Node("h1", "h:1", NodeState.DOWN, List.of(10L)),
        new Node("h2", "h:2", NodeState.DOWN, List.of(20L)),
        new Node("f1", "h:3", NodeState.UP, List.of(30L)),
        new Node("f2", "h:4", NodeState.UP, List.of(40L)))));
    EnginePeers peers = new EnginePeers(nodes);
    peers.catchingUp.add("f2");
    MemoryStorageEngine f1 = nodes.get("f1");
    SyncState state = new SyncState("f1", standIns::get, HASHER);
    state.onTable(standIns.get());
    LocalReplica local = new LocalReplica(f1, new HybridClock("f1", () -> 0L), state::isCaughtUp,
        () -> standIns.get().epoch(), GRACE, NEVER_PAUSED);
    RangeSync sync = new RangeSync(state, f1, local, peers, standIns::get, 1000, ACCEPT_ALL,
        new NodeCounters());

    sync.run();
    assertThat(state.isCaughtUp("a")).as("f2 knows no more than f1 does").isFalse();

    peers.catchingUp.clear(); // f2 caught up from a source that had the data
    sync.run();
    assertThat(state.isCaughtUp("a")).isTrue();
  }
}

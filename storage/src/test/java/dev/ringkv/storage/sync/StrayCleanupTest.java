package dev.ringkv.storage.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, replication factor 2: n1 owns token 10, n2 token 20, n3 token 30. Key "a" has
 * token 1, "y" token 25. So "a" lives in (30, 10], homed on n1 and n2, and n3 only ever holds it
 * as a fallback; "y" lives in (20, 30], which n3 serves.
 */
class StrayCleanupTest {

  private static final Duration GRACE = Duration.ofSeconds(100);
  /** Versions in these tests are a few ms after 0: all younger than the grace. */
  private static final long NOW = 50_000;
  private static final KeyHasher HASHER = key -> key.charAt(0) - 'a' + 1L;
  private long now = NOW;
  private final AtomicReference<RingTable> table = new AtomicReference<>(table(NodeState.UP));
  private final Map<String, MemoryStorageEngine> engines = Map.of(
      "n1", new MemoryStorageEngine(HASHER), "n2", new MemoryStorageEngine(HASHER),
      "n3", new MemoryStorageEngine(HASHER));
  private final MemoryStorageEngine n3 = engines.get("n3");

  private static RingTable table(NodeState n1State) {
    return RingTable.of("c", 1, 2, List.of(
        new Node("n1", "h:1", n1State, List.of(10L)),
        new Node("n2", "h:2", NodeState.UP, List.of(20L)),
        new Node("n3", "h:3", NodeState.UP, List.of(30L))));
  }

  private final PeerSyncClient network = new EnginePeers(engines);
  private static Record value(long ms, String v) {
    return Record.value(new Version(ms, 0, "n1"), v.getBytes(StandardCharsets.UTF_8));
  }

  /** Stores {@code record} for {@code key} on each of {@code nodes}. */
  private void hold(String key, Record record, String... nodes) {
    for (String node : nodes) {
      engines.get(node).apply(key, record);
    }
  }

  private void cleanUpOnN3(SyncState state) {
    new StrayCleanup("n3", state, n3, network, table::get, 1000, new NodeCounters(),
        new TombstoneGrace(GRACE, () -> NOW), LeavingMark.inMemory()).run();
  }

  private SyncState caughtUp() {
    SyncState state = new SyncState("n3", table::get, HASHER);
    state.onTable(table.get());
    state.pending().forEach(state::pulled);
    return state;
  }

  @Test
  void aCopyEveryHomeReplicaHoldsAsNewOrNewerIsDropped() {
    hold("a", value(1, "a1"), "n3", "n1", "n2");
    hold("b", value(1, "b1"), "n3", "n2");
    hold("b", value(2, "b2"), "n1");

    cleanUpOnN3(caughtUp());

    assertThat(n3.get("a")).isEmpty();
    assertThat(n3.get("b")).isEmpty();
  }

  @Test
  void aCopyAHomeReplicaLacksOrHoldsOlderIsKeptAndSentToItThenDropped() {
    hold("c", value(2, "c2"), "n3", "n2");
    hold("c", value(1, "c1"), "n1");
    hold("d", value(1, "d1"), "n3", "n1");

    cleanUpOnN3(caughtUp());

    assertThat(n3.get("c")).as("n1 held an older c").contains(value(2, "c2"));
    assertThat(n3.get("d")).as("n2 lacked d").contains(value(1, "d1"));
    assertThat(engines.get("n1").get("c")).as("sent to n1").contains(value(2, "c2"));
    assertThat(engines.get("n2").get("d")).as("sent to n2").contains(value(1, "d1"));

    cleanUpOnN3(caughtUp());

    assertThat(n3.get("c")).as("once every home replica lists it").isEmpty();
    assertThat(n3.get("d")).isEmpty();
  }

  @Test
  void aCopyOlderThanTheGraceIsNotSentToAHomeReplicaThatLacksItButDropped() {
    hold("a", value(NOW - GRACE.toMillis() - 1, "zombie"), "n3", "n1");

    cleanUpOnN3(caughtUp());

    assertThat(engines.get("n2").get("a")).as("n2 may have purged a's delete").isEmpty();
    assertThat(n3.get("a")).isEmpty();
  }

  @Test
  void aLeavingNodeHandsEverythingItHoldsToTheRemainingReplicas() {
    table.set(RingTable.of("c", 2, 2, List.of(
        new Node("n1", "h:1", NodeState.UP, List.of(10L)),
        new Node("n2", "h:2", NodeState.UP, List.of(20L)),
        new Node("n3", "h:3", NodeState.LEAVING, List.of(30L)))));
    hold("a", value(1, "a1"), "n3", "n1");
    hold("y", value(1, "y1"), "n3");
    SyncState state = caughtUp();
    state.onTable(table.get());

    cleanUpOnN3(state);
    cleanUpOnN3(state);

    assertThat(n3.get("a")).isEmpty();
    assertThat(n3.get("y")).isEmpty();
    for (String home : List.of("n1", "n2")) {
      assertThat(engines.get(home).get("a")).as("a on %s", home).contains(value(1, "a1"));
      assertThat(engines.get(home).get("y")).as("y on %s", home).contains(value(1, "y1"));
    }
  }

  private void leaveN3() {
    table.set(RingTable.of("c", 2, 2, List.of(
        new Node("n1", "h:1", NodeState.UP, List.of(10L)),
        new Node("n2", "h:2", NodeState.UP, List.of(20L)),
        new Node("n3", "h:3", NodeState.LEAVING, List.of(30L)))));
  }

  @Test
  void aLeavingNodeHandsOverCopiesOlderThanTheGraceThatANewReplicaLacks() {
    leaveN3();
    Record old = value(1, "y1");
    hold("y", old, "n3"); // the only copy, as at replication 1
    now = 10 * GRACE.toMillis();
    SyncState state = caughtUp();
    state.onTable(table.get());
    StrayCleanup cleanup = new StrayCleanup("n3", state, n3, network, table::get, 1000,
        new NodeCounters(), new TombstoneGrace(GRACE, () -> now), LeavingMark.inMemory());

    cleanup.run();
    cleanup.run();

    assertThat(engines.get("n1").get("y")).contains(old);
    assertThat(engines.get("n2").get("y")).contains(old);
    assertThat(n3.get("y")).isEmpty();
  }

  @Test
  void aNodeLeavingForMoreThanHalfTheGraceKeepsWhatANewReplicaLacksAndDropsNothing() {
    leaveN3();
    SyncState state = caughtUp();
    state.onTable(table.get());
    NodeCounters counters = new NodeCounters();
    StrayCleanup cleanup = new StrayCleanup("n3", state, n3, network, table::get, 1000,
        counters, new TombstoneGrace(GRACE, () -> now), LeavingMark.inMemory());
    cleanup.run(); // sees itself LEAVING
    now += GRACE.toMillis() / 2 + 1;
    hold("y", value(2, "y2"), "n3");

    cleanup.run();

    assertThat(engines.get("n1").get("y")).as("it may have missed y's delete").isEmpty();
    assertThat(n3.get("y")).as("kept for the operator").contains(value(2, "y2"));
    assertThat(counters.strayCopiesKept()).as("reported for the operator").isEqualTo(1);
  }

  @Test
  void aLeavingNodeStartedAgainCountsFromWhenItFirstSawItselfLeaving(@TempDir Path dataDir) {
    leaveN3();
    SyncState state = caughtUp();
    state.onTable(table.get());
    cleanUpWithMarkIn(dataDir, new NodeCounters()); // sees itself LEAVING
    now += GRACE.toMillis() / 2 + 1;
    hold("y", value(2, "y2"), "n3");

    NodeCounters afterRestart = new NodeCounters();
    cleanUpWithMarkIn(dataDir, afterRestart);

    assertThat(engines.get("n1").get("y")).as("not handed over after the restart").isEmpty();
    assertThat(afterRestart.strayCopiesKept()).isEqualTo(1);

    table.set(table(NodeState.UP)); // no longer leaving: the mark goes
    cleanUpWithMarkIn(dataDir, new NodeCounters());
    assertThat(dataDir.resolve(LeavingMark.FILE_NAME)).doesNotExist();
  }

  @Test
  void anUnreadableLeavingMarkCountsAsLeavingForLong(@TempDir Path dataDir) throws Exception {
    Files.writeString(dataDir.resolve(LeavingMark.FILE_NAME), "garbage");
    now = 10 * GRACE.toMillis();
    leaveN3();
    hold("y", value(2, "y2"), "n3");
    NodeCounters counters = new NodeCounters();

    cleanUpWithMarkIn(dataDir, counters);

    assertThat(engines.get("n1").get("y")).isEmpty();
    assertThat(counters.strayCopiesKept()).isEqualTo(1);
  }

  /** A cleanup pass on n3 as a freshly started process would run it, its mark in dataDir. */
  private void cleanUpWithMarkIn(Path dataDir, NodeCounters counters) {
    SyncState state = caughtUp();
    state.onTable(table.get());
    new StrayCleanup("n3", state, n3, network, table::get, 1000, counters,
        new TombstoneGrace(GRACE, () -> now), LeavingMark.in(dataDir)).run();
  }

  @Test
  void nothingIsDroppedWhileANodeIsDown() {
    hold("a", value(1, "a1"), "n3", "n1", "n2");
    table.set(table(NodeState.DOWN));

    cleanUpOnN3(caughtUp());

    assertThat(n3.get("a")).as("n3 may be standing in for n1").contains(value(1, "a1"));
  }

  @Test
  void nothingIsDroppedBeforeThisNodeHasCaughtUp() {
    hold("a", value(1, "a1"), "n3", "n1", "n2");
    SyncState pending = new SyncState("n3", table::get, HASHER);
    pending.onTable(table.get());

    cleanUpOnN3(pending);

    assertThat(n3.get("a")).contains(value(1, "a1"));
  }

  @Test
  void keysOfRangesThisNodeServesAreNeverTouched() {
    hold("y", value(1, "y1"), "n3", "n1", "n2");

    cleanUpOnN3(caughtUp());

    assertThat(n3.get("y")).contains(value(1, "y1"));
  }

  @Test
  void aHomeReplicaClaimingTheRangeIsInSyncIsNotBelievedWithoutNamingTheKeysVersion() {
    hold("a", value(1, "a1"), "n3");
    EnginePeers honest = new EnginePeers(engines);
    PeerSyncClient claimsInSync = new PeerSyncClient() {
      @Override
      public CompletableFuture<Map<TokenRange, DigestCheck>> digests(Node peer,
          Map<TokenRange, Long> digests) {
        Map<TokenRange, DigestCheck> inSync = new java.util.HashMap<>();
        digests.keySet().forEach(r -> inSync.put(r, new DigestCheck(true, true, 0)));
        return CompletableFuture.completedFuture(inSync);
      }

      @Override
      public CompletableFuture<List<KeyVersion>> listing(Node peer,
          TokenRange range) {
        return honest.listing(peer, range);
      }

      @Override
      public CompletableFuture<Map<String, Record>> readMany(Node peer,
          List<String> keys) {
        return honest.readMany(peer, keys);
      }

      @Override
      public CompletableFuture<Map<String, Version>> versions(Node peer, List<String> keys) {
        return honest.versions(peer, keys);
      }

      @Override
      public CompletableFuture<Void> handOver(Node peer, String key, Record record) {
        return honest.handOver(peer, key, record);
      }
    };

    new StrayCleanup("n3", caughtUp(), n3, claimsInSync, table::get, 1000,
        new NodeCounters(), new TombstoneGrace(GRACE, () -> NOW), LeavingMark.inMemory()).run();

    assertThat(n3.get("a")).as("the only copy of a").contains(value(1, "a1"));
  }
}

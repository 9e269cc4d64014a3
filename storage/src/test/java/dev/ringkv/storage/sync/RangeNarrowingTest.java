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
import org.junit.jupiter.api.Test;

class RangeNarrowingTest {

  /** Every version in these tests is younger than half of it. */
  private static final TombstoneGrace GRACE = new TombstoneGrace(Duration.ofDays(3), () -> 0L);
  private static final PauseWatch NEVER_PAUSED = new PauseWatch(GRACE);

  @Test
  void aRangeSplitsIntoSixteenEqualPartsThatCoverItExactly() {
    assertCovers(new TokenRange(100, 100 + 16 * 1000), 16);
    assertCovers(new TokenRange(Long.MAX_VALUE - 50, Long.MIN_VALUE + 1000), 16); // wraps
    assertCovers(new TokenRange(7, 7), 16); // the whole ring
    assertThat(RangeNarrowing.split(new TokenRange(10, 20))).as("too narrow to cut")
        .containsExactly(new TokenRange(10, 20));
  }

  private static void assertCovers(TokenRange range, int parts) {
    List<TokenRange> split = RangeNarrowing.split(range);
    assertThat(split).hasSize(parts);
    assertThat(split.get(0).start()).isEqualTo(range.start());
    assertThat(split.get(parts - 1).end()).isEqualTo(range.end());
    for (int i = 1; i < parts; i++) {
      assertThat(split.get(i).start()).isEqualTo(split.get(i - 1).end());
    }
  }

  /**
   * Two nodes, rep 2, 100,000 keys alike on both but one, newer on n1: n2 pulls that one key with
   * a few calls, and the peer lists a few hundred keys at most, not the 50,000 of its range.
   */
  @Test
  void oneDifferingKeyAmongAHundredThousandCostsAFewRoundTrips() {
    KeyHasher hasher = KeyHasher.murmur3();
    Map<String, MemoryStorageEngine> engines = Map.of(
        "n1", new MemoryStorageEngine(hasher), "n2", new MemoryStorageEngine(hasher));
    for (int i = 0; i < 100_000; i++) {
      for (MemoryStorageEngine e : engines.values()) {
        e.apply("key" + i, value(1, "v"));
      }
    }
    engines.get("n1").apply("key4242", value(2, "newer"));
    RingTable table = RingTable.of("c", 1, 2, List.of(
        new Node("n1", "h:1", NodeState.UP, List.of(0L)),
        new Node("n2", "h:2", NodeState.UP, List.of(Long.MIN_VALUE))));
    SyncState state = new SyncState("n2", () -> table, hasher);
    state.onTable(table);
    MemoryStorageEngine n2 = engines.get("n2");
    EnginePeers network = new EnginePeers(engines);

    new RangeSync(state, n2, new LocalReplica(n2, new HybridClock("n2", () -> 0L),
        state::isCaughtUp, table::epoch, GRACE, NEVER_PAUSED), network, () -> table, 1000,
        (k, r) -> { },
        new NodeCounters()).run();

    assertThat(n2.get("key4242")).contains(value(2, "newer"));
    assertThat(state.allCaughtUp()).isTrue();
    System.out.printf("one differing key of 100,000: %d digest calls, %d listings of %d keys in "
        + "all, %d reads%n", network.digestCalls, network.listingCalls, network.entriesSent,
        network.readManyCalls);
    assertThat(network.digestCalls).as("the pass's own check, then one per level")
        .isLessThanOrEqualTo(4);
    assertThat(network.listingCalls).isEqualTo(1);
    assertThat(network.entriesSent).as("keys listed").isLessThanOrEqualTo(RangeNarrowing.LISTED_KEYS);
    assertThat(network.readManyCalls).isEqualTo(1);
  }

  private static Record value(long ms, String v) {
    return Record.value(new Version(ms, 0, "n1"), v.getBytes(StandardCharsets.UTF_8));
  }
}

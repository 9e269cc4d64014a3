package dev.ringkv.storage.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.storage.membership.PauseWatch;
import dev.ringkv.version.HybridClock;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What a replica takes when records are pushed to it (the tombstone grace's horizon), and what
 * it answers after a long pause.
 */
class LocalReplicaTest {

  private static final long NOW = 1_000_000;
  /** Half of the 10 s grace ago, to the millisecond. */
  private static final long HORIZON = NOW - 5_000;
  private final AtomicLong clock = new AtomicLong(NOW);
  private final TombstoneGrace grace = new TombstoneGrace(Duration.ofSeconds(10), clock::get);
  private final PauseWatch pauses = new PauseWatch(grace);
  private final MemoryStorageEngine engine = new MemoryStorageEngine();
  private final LocalReplica replica = new LocalReplica(engine, new HybridClock("n1", clock::get),
      key -> true, () -> 1, grace, pauses);

  private static Record value(long ms, String v) {
    return Record.value(new Version(ms, 0, "n2"), v.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aRecordOlderThanHalfTheGraceForAKeyNotHeldIsRefusedAndNothingIsKept() {
    assertThatThrownBy(() -> replica.store("k", value(HORIZON - 1, "old"), "n3"))
        .isInstanceOf(PastHorizonException.class)
        .hasMessage("refused a record of a key this replica does not hold, written 5 s ago, "
            + "more than half the tombstone grace (10 s): it may belong to a key whose delete "
            + "has been purged");
    assertThat(engine.get("k")).isEmpty();
    assertThat(engine.hintCount()).as("no hint kept either").isZero();
  }

  @Test
  void aRecordYoungerThanHalfTheGraceIsStoredThoughTheKeyIsNotHeld() {
    replica.store("k", value(HORIZON, "recent"), null);
    assertThat(engine.get("k")).contains(value(HORIZON, "recent"));
  }

  @Test
  void anOldRecordStillReplacesAnOlderOneHeldAndLosesToANewerOne() {
    engine.apply("older", value(HORIZON - 20, "v1"));
    replica.store("older", value(HORIZON - 10, "v2"), null);
    assertThat(engine.get("older")).contains(value(HORIZON - 10, "v2"));

    Record deleted = Record.tombstone(new Version(HORIZON - 5, 0, "n2"));
    engine.apply("deleted", deleted);
    replica.store("deleted", value(HORIZON - 10, "resurrected"), null);
    assertThat(engine.get("deleted")).contains(deleted);
  }

  @Test
  void copiesPulledOrHandedOverAreTakenWhateverTheirAge() {
    replica.storeCopy("k", value(1, "ancient"));
    assertThat(engine.get("k")).contains(value(1, "ancient"));
  }

  @Test
  void afterAPauseLongerThanHalfTheGraceReadsAreRefusedUntilTheManagerTookTheNodeBack() {
    engine.apply("k", value(NOW - 1, "deleted elsewhere meanwhile"));
    clock.addAndGet(5_001); // paused: no beat for more than half the grace

    assertThatThrownBy(() -> replica.read("k", 0, 100))
        .isInstanceOf(UnavailableException.class)
        .hasMessage("this node did not run for 5001 ms, more than half the tombstone grace: it "
            + "answers no reads until the manager has taken it back");
    pauses.tick(); // the first beat after the pause; the manager has not answered yet
    assertThatThrownBy(() -> replica.read("k", 0, 100)).isInstanceOf(UnavailableException.class);

    pauses.settled();
    assertThat(replica.read("k", 0, 100).record()).isPresent();
  }
}

package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TombstoneSweepTest {

  private static final long NOW = 1_000_000;
  private final MemoryStorageEngine engine = new MemoryStorageEngine();
  private final TombstoneSweep sweep =
      new TombstoneSweep(engine, new TombstoneGrace(Duration.ofSeconds(10), () -> NOW));

  private static Version at(long ms) {
    return new Version(ms, 0, "n1");
  }

  private static Record value(long ms) {
    return Record.value(at(ms), "v".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void tombstonesOlderThanTheGraceArePurgedAndNothingElse() {
    engine.apply("old-delete", Record.tombstone(at(NOW - 10_001)));
    engine.apply("new-delete", Record.tombstone(at(NOW - 9_000)));
    engine.apply("old-value", value(NOW - 100_000));

    sweep.run();

    assertThat(engine.get("old-delete")).isEmpty();
    assertThat(engine.get("new-delete")).contains(Record.tombstone(at(NOW - 9_000)));
    assertThat(engine.get("old-value")).contains(value(NOW - 100_000));
  }

  @Test
  void hintsOlderThanHalfTheGraceAreDropped() {
    engine.addHint("n2", "old", value(NOW - 5_001));
    engine.addHint("n2", "new", value(NOW - 4_999));

    sweep.run();

    assertThat(engine.hintsFor("n2", 10)).extracting(Hint::key).containsExactly("new");
  }
}

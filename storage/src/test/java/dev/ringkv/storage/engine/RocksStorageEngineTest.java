package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.version.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStorageEngineTest {

  @TempDir Path dir;

  private static Record value(long ms, String v) {
    return Record.value(new Version(ms, 0, "n1"), v.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void newerVersionWinsWhateverTheArrivalOrder() {
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3())) {
      assertThat(engine.apply("k", value(2, "new"))).isTrue();
      assertThat(engine.apply("k", value(1, "old"))).isFalse();
      assertThat(engine.get("k")).contains(value(2, "new"));
      assertThat(engine.apply("k", Record.tombstone(new Version(3, 0, "n2")))).isTrue();
      assertThat(engine.get("k").orElseThrow().isTombstone()).isTrue();
      assertThat(engine.get("absent")).isEmpty();
    }
  }

  @Test
  void aRecordTheFormatCannotHoldIsRefusedAsItIsWrittenAndNothingIsStored() {
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3())) {
      Record oversizedWriter = Record.value(new Version(1, 0, "w".repeat(70_000)), new byte[1]);
      assertThatThrownBy(() -> engine.apply("k", oversizedWriter))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("writer id of 70000 bytes does not fit the record format");
      assertThat(engine.get("k")).isEmpty();
    }
  }

  @Test
  void clearDeletesEveryRecordAndHintWhateverTheKey() {
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3())) {
      for (String key : new String[] {"k", "\u00ff\uffff", "z".repeat(1000)}) {
        engine.apply(key, value(1, "v"));
        engine.addHint("server9", key, value(1, "v"));
      }
      engine.clear();
      assertThat(engine.liveKeyCount()).isZero();
      assertThat(engine.hintCount()).isZero();
      assertThat(engine.get("\u00ff\uffff")).isEmpty();
    }
  }

  @Test
  void dataAndHintsSurviveReopening() {
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3())) {
      engine.apply("a", value(1, "x"));
      engine.apply("b", value(1, "y"));
      engine.apply("c", Record.tombstone(new Version(1, 0, "n1")));
      engine.addHint("server2", "a", value(1, "x"));
    }
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3())) {
      assertThat(engine.get("a")).contains(value(1, "x"));
      assertThat(engine.liveKeyCount()).as("tombstones are not live keys").isEqualTo(2);
      assertThat(engine.hintsFor("server2", 10)).containsExactly(new Hint("server2", "a", value(1, "x")));
    }
  }

  @Test
  void hintsKeepTheNewestPerTargetAndKeyAndAreRemovedOnlyIfUnchanged() {
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3())) {
      engine.addHint("server2", "k", value(1, "old"));
      engine.addHint("server2", "k", value(3, "new"));
      engine.addHint("server2", "k", value(2, "mid"));
      engine.addHint("server10", "k", value(1, "other"));
      engine.addHint("server1", "z", value(1, "z"));
      assertThat(engine.hintsFor("server2", 10)).containsExactly(new Hint("server2", "k", value(3, "new")));
      assertThat(engine.hintTargets()).containsExactlyInAnyOrder("server1", "server2", "server10");
      assertThat(engine.hintCount()).isEqualTo(3);

      engine.removeHint(new Hint("server2", "k", value(1, "old")));
      assertThat(engine.hintsFor("server2", 10)).as("a newer hint is kept").hasSize(1);
      engine.removeHint(new Hint("server2", "k", value(3, "new")));
      assertThat(engine.hintsFor("server2", 10)).isEmpty();
      assertThat(engine.hintsFor("server10", 10)).hasSize(1);
    }
  }

  @Test
  void scansReturnExactlyTheKeysOfARangeIncludingWrappingAndWholeRingRanges() {
    Map<String, Long> tokens = Map.of("a", Long.MIN_VALUE, "b", -5L, "c", 0L, "d", 5L,
        "e", Long.MAX_VALUE);
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, tokens::get)) {
      tokens.keySet().forEach(k -> engine.apply(k, value(1, k)));
      assertThat(scan(engine, new TokenRange(-5, 5))).containsExactly("c", "d");
      assertThat(scan(engine, new TokenRange(Long.MIN_VALUE, -5))).containsExactly("b");
      assertThat(scan(engine, new TokenRange(0, -5))).as("wraps").containsExactly("d", "e", "a", "b");
      assertThat(scan(engine, new TokenRange(5, Long.MAX_VALUE))).containsExactly("e");
      assertThat(scan(engine, new TokenRange(Long.MAX_VALUE, Long.MIN_VALUE))).containsExactly("a");
      assertThat(scan(engine, new TokenRange(3, 3))).as("whole ring").hasSize(5);
    }
  }

  private static List<String> scan(StorageEngine engine, TokenRange range) {
    List<String> keys = new ArrayList<>();
    engine.scan(range, (k, r) -> keys.add(k));
    return keys;
  }
}

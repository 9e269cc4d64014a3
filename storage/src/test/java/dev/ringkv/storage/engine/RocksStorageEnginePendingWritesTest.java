package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record writes wait in a batch until the log is written out, a scan reads the store, or the
 * batch is full. These run without a record cache, so every read that a pending write could
 * answer goes past the cache.
 */
class RocksStorageEnginePendingWritesTest {

  @TempDir
  Path dir;

  private RocksStorageEngine open() {
    return RocksStorageEngine.open(dir, KeyHasher.murmur3(), 0);
  }

  @Test
  void writesNotYetInRocksDbAreReadAndComparedAgainst() {
    try (RocksStorageEngine engine = open()) {
      assertThat(engine.apply("k", value(2, "new"))).isTrue();
      assertThat(engine.logUse().writes()).as("the write still pends").isZero();
      assertThat(engine.get("k")).contains(value(2, "new"));
      assertThat(engine.apply("k", value(1, "old"))).isFalse();
      assertThat(engine.removeIfAt("k", new Version(1, 0, "n1"))).isFalse();
      assertThat(engine.removeIfAt("k", new Version(2, 0, "n1"))).isTrue();
      assertThat(engine.get("k")).as("its delete pends").isEmpty();
      assertThat(engine.apply("k", value(1, "old"))).as("nothing left to be older than").isTrue();
      assertThat(engine.logUse().writes()).isZero();

      engine.flushWrites();
      assertThat(engine.logUse().writes()).isEqualTo(3);
      assertThat(engine.get("k")).contains(value(1, "old"));
    }
  }

  @Test
  void aScanSeesWritesThatPend() {
    try (RocksStorageEngine engine = open()) {
      engine.apply("a", value(1, "x"));
      engine.apply("b", value(1, "y"));
      engine.removeIfAt("b", new Version(1, 0, "n1"));
      engine.apply("c", value(1, "z"));
      Map<String, Record> seen = new HashMap<>();
      engine.scan(new TokenRange(0, 0), seen::put);
      assertThat(seen).containsOnlyKeys("a", "c");
      assertThat(engine.liveKeyCount()).isEqualTo(2);
    }
  }

  @Test
  void aFullBatchGoesToRocksDbWithoutWaitingForTheLog() {
    try (RocksStorageEngine engine = open()) {
      for (int i = 0; i < PendingWrites.MAX_WRITES; i++) {
        engine.apply("k" + i, value(1, "v"));
      }
      assertThat(engine.logUse().writes()).isZero();
      engine.apply("next", value(1, "v"));
      assertThat(engine.logUse().writes()).isEqualTo(PendingWrites.MAX_WRITES);

      byte[] large = new byte[(int) PendingWrites.MAX_BYTES];
      engine.apply("large", Record.value(new Version(1, 0, "n1"), large));
      assertThat(engine.logUse().writes()).isEqualTo(PendingWrites.MAX_WRITES);
      engine.removeIfAt("next", new Version(1, 0, "n1"));
      assertThat(engine.logUse().writes()).isEqualTo(PendingWrites.MAX_WRITES + 2);
      assertThat(engine.get("next")).isEmpty();
      assertThat(engine.get("large").orElseThrow().value()).hasSize(large.length);
    }
  }

  @Test
  void clearDeletesWritesThatPendAndTheyDoNotComeBack() {
    try (RocksStorageEngine engine = open()) {
      engine.apply("a", value(1, "x"));
      engine.clear();
      assertThat(engine.get("a")).isEmpty();
    }
    try (RocksStorageEngine engine = open()) {
      assertThat(engine.get("a")).isEmpty();
    }
  }

  @Test
  void closingWritesWhatPends() {
    try (RocksStorageEngine engine = open()) {
      engine.apply("a", value(1, "x"));
      engine.apply("b", value(1, "y"));
      engine.removeIfAt("b", new Version(1, 0, "n1"));
    }
    try (RocksStorageEngine engine = open()) {
      assertThat(engine.get("a")).contains(value(1, "x"));
      assertThat(engine.get("b")).isEmpty();
    }
  }

  private static Record value(long ms, String v) {
    return Record.value(new Version(ms, 0, "n1"), v.getBytes(StandardCharsets.UTF_8));
  }
}

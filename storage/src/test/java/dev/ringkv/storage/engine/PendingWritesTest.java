package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteOptions;

class PendingWritesTest {

  @TempDir
  Path dir;

  @Test
  void writesAreCountedBeforeTheBatchLooksEmptyAndThenAreInRocksDb() throws Exception {
    RocksDB.loadLibrary();
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions writeOptions = new WriteOptions();
        PendingWrites pending = new PendingWrites(db.getDefaultColumnFamily())) {
      Record record = Record.value(new Version(1, 0, "n1"), bytes("v"));
      pending.put("a", bytes("ka"), bytes("encoded"), record);
      pending.delete("b", bytes("kb"));
      assertThat(pending.lookup("a")).contains(record);
      assertThat(pending.lookup("b")).isEqualTo(Optional.empty());
      assertThat(pending.lookup("c")).isNull();

      AtomicInteger counted = new AtomicInteger();
      pending.writeTo(db, writeOptions, n -> {
        // A flush that finds nothing pending must find these counted: they are, before that.
        assertThat(pending.isEmpty()).as("empty while being counted").isFalse();
        counted.set(n);
      });
      assertThat(counted.get()).isEqualTo(2);
      assertThat(pending.isEmpty()).isTrue();
      assertThat(pending.lookup("a")).isNull();
      assertThat(db.get(bytes("ka"))).isEqualTo(bytes("encoded"));

      pending.writeTo(db, writeOptions, n -> counted.set(-1));
      assertThat(counted.get()).as("nothing to hand over, nothing counted").isEqualTo(2);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The records cached in the heap are always those stored: whatever was cached, the engine
 * answers what a freshly opened engine (with nothing cached) reads from RocksDB.
 */
class RocksStorageEngineCacheTest {

  private static final long CACHE_BYTES = 1024 * 1024;

  @TempDir Path dir;

  private static Record value(long ms, String writer, byte[] bytes) {
    return Record.value(new Version(ms, 0, writer), bytes);
  }

  private static Record value(long ms, String v) {
    return value(ms, "n1", v.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aCachedRecordStillRefusesOlderWritesAndReadsLikeTheStore() {
    try (RocksStorageEngine engine = open(CACHE_BYTES)) {
      engine.apply("k", value(2, "new"));
      assertThat(engine.get("k")).contains(value(2, "new")); // now cached
      assertThat(engine.apply("k", value(1, "old"))).isFalse();
      assertThat(engine.apply("k", value(3, "newer"))).isTrue();
      assertThat(engine.get("k")).contains(value(3, "newer"));
    }
    try (RocksStorageEngine reopened = open(CACHE_BYTES)) {
      assertThat(reopened.get("k")).contains(value(3, "newer"));
      assertThat(reopened.apply("k", value(2, "new"))).isFalse();
    }
  }

  @Test
  void aRemovedRecordIsNotServedFromTheCache() {
    try (RocksStorageEngine engine = open(CACHE_BYTES)) {
      engine.apply("k", value(1, "v"));
      assertThat(engine.get("k")).isPresent();
      assertThat(engine.removeIfAt("k", new Version(2, 0, "n1"))).isFalse();
      assertThat(engine.removeIfAt("k", new Version(1, 0, "n1"))).isTrue();
      assertThat(engine.get("k")).isEmpty();
      assertThat(engine.apply("k", value(1, "v"))).isTrue(); // nothing left to compare with
    }
  }

  @Test
  void clearedRecordsAreNotServedFromTheCache() {
    try (RocksStorageEngine engine = open(CACHE_BYTES)) {
      engine.apply("k", value(5, "v"));
      assertThat(engine.get("k")).isPresent();
      engine.clear();
      assertThat(engine.get("k")).isEmpty();
      assertThat(engine.apply("k", value(1, "older but first"))).isTrue();
    }
  }

  @Test
  void aLargeValueReplacingACachedSmallOneIsWhatIsRead() {
    byte[] large = new byte[RecordCache.MAX_VALUE_BYTES + 1];
    try (RocksStorageEngine engine = open(CACHE_BYTES)) {
      engine.apply("k", value(1, "small"));
      assertThat(engine.get("k")).contains(value(1, "small"));
      engine.apply("k", value(2, "n1", large));
      assertThat(engine.get("k")).contains(value(2, "n1", large));
      assertThat(engine.apply("k", value(1, "small"))).isFalse();
    }
  }

  @Test
  void eachLookupIsCountedOnceAsAHitOrAMiss() {
    try (RocksStorageEngine engine = open(CACHE_BYTES)) {
      engine.apply("k", value(1, "v")); // a miss: nothing held yet
      engine.get("k");
      engine.apply("k", value(2, "v"));
      engine.get("absent");
      RocksStorageEngine.CacheUse use = engine.cacheUse();
      assertThat(use.hits()).isEqualTo(2);
      assertThat(use.misses()).isEqualTo(2);
      assertThat(use.heldBytes()).isPositive();
    }
  }

  @Test
  void withoutACacheTheEngineKeepsLastWriteWins() {
    try (RocksStorageEngine engine = open(0)) {
      engine.apply("k", value(2, "new"));
      assertThat(engine.apply("k", value(1, "old"))).isFalse();
      assertThat(engine.get("k")).contains(value(2, "new"));
    }
  }

  @Test
  void aReadThatMissedCannotCacheWhatAWriteReplacedWhileItRead() throws Exception {
    CountDownLatch readerCaching = new CountDownLatch(1);
    CountDownLatch readerMayCache = new CountDownLatch(1);
    AtomicReference<Thread> reader = new AtomicReference<>();
    // Holds the reader after it has read the key from RocksDB, just before it caches what it read.
    RecordCache cache = new RecordCache(CACHE_BYTES) {
      @Override
      void stored(String key, Record record) {
        if (Thread.currentThread() == reader.get()) {
          readerCaching.countDown();
          awaitOrFail(readerMayCache);
        }
        super.stored(key, record);
      }
    };
    CompletableFuture<Optional<Record>> read = new CompletableFuture<>();
    CompletableFuture<Boolean> write = new CompletableFuture<>();
    try (RocksStorageEngine engine = RocksStorageEngine.open(dir, KeyHasher.murmur3(), cache)) {
      engine.apply("k", value(1, "old"));
      engine.flushWrites(); // in RocksDB, no longer pending
      cache.removed("k"); // evicted: the next read misses and reads RocksDB
      reader.set(new Thread(() -> read.complete(engine.get("k"))));
      reader.get().start();
      awaitOrFail(readerCaching);

      Thread writer = new Thread(() -> write.complete(engine.apply("k", value(2, "new"))));
      writer.start();
      // The write either waits for the key's lock (as it should: the reader holds it) or, if
      // nothing holds the key, finishes before the reader caches.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!write.isDone() && writer.getState() != Thread.State.WAITING
          && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      readerMayCache.countDown();

      assertThat(write.get(5, TimeUnit.SECONDS)).isTrue();
      assertThat(read.get(5, TimeUnit.SECONDS)).contains(value(1, "old"));
      assertThat(engine.get("k")).as("read after the write").contains(value(2, "new"));
    } finally {
      readerMayCache.countDown();
      if (reader.get() != null) {
        reader.get().join(5_000);
      }
    }
  }

  private static void awaitOrFail(CountDownLatch latch) {
    try {
      assertThat(latch.await(5, TimeUnit.SECONDS)).as("waited 5 s").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void underConcurrentWritesRemovesAndEvictionsNoReadGoesBackAndTheCacheAgreesWithTheStore() throws Exception {
    long seed = new Random().nextLong();
    Map<String, Optional<Record>> seen = new HashMap<>();
    List<String> wentBack = new CopyOnWriteArrayList<>();
    // A cache of a few entries, so that records are evicted and read back while writes go on.
    try (RocksStorageEngine engine = open(2_000)) {
      ExecutorService threads = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          Random random = new Random(seed + t);
          String writer = "n" + t;
          done.add(threads.submit(() -> {
            for (int i = 0; i < 5_000; i++) {
              String key = "k" + random.nextInt(20);
              long ms = random.nextInt(1_000);
              switch (random.nextInt(4)) {
                case 0 -> engine.removeIfAt(key, new Version(ms, 0, writer));
                case 1 -> engine.get(key);
                default -> {
                  Record written = value(ms, writer, new byte[random.nextInt(64)]);
                  if (engine.apply(key, written)) {
                    // Only a newer write or a remove may have replaced it since.
                    engine.get(key).filter(read -> written.supersedes(read))
                        .ifPresent(older -> wentBack.add(key + ": " + written + " then " + older));
                  }
                }
              }
            }
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        threads.shutdownNow();
      }
      assertThat(wentBack).as("seed %d", seed).isEmpty();
      for (int k = 0; k < 20; k++) {
        seen.put("k" + k, engine.get("k" + k));
      }
    }
    try (RocksStorageEngine reopened = open(CACHE_BYTES)) {
      for (Map.Entry<String, Optional<Record>> e : seen.entrySet()) {
        assertThat(reopened.get(e.getKey()))
            .as("key %s, seed %d", e.getKey(), seed)
            .isEqualTo(e.getValue());
      }
    }
  }

  private RocksStorageEngine open(long cacheBytes) {
    return RocksStorageEngine.open(dir, KeyHasher.murmur3(), cacheBytes);
  }
}

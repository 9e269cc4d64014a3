package dev.ringkv.storage.sync;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.version.Version;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An order-independent summary of a range: the sum of a hash of every (key, version) held. Two
 * replicas with the same digest hold the same versions of the same keys (up to hash collisions).
 */
public final class RangeDigest {

  private static final HashFunction HASH = Hashing.murmur3_128();

  private RangeDigest() {}

  public static long of(StorageEngine engine, TokenRange range) {
    return summarize(engine, range).digest();
  }

  /** A range's digest and how many keys (tombstones included) it holds. */
  public record Summary(long digest, long keys) {}

  public static Summary summarize(StorageEngine engine, TokenRange range) {
    long[] sum = {0, 0};
    engine.scan(range, (key, record) -> {
      sum[0] += entryHash(key, record.version());
      sum[1]++;
    });
    return new Summary(sum[0], sum[1]);
  }

  /** The digest of the given (key, version) pairs, as {@link #of(StorageEngine, TokenRange)}. */
  public static long of(Map<String, Version> versions) {
    long sum = 0;
    for (Map.Entry<String, Version> e : versions.entrySet()) {
      sum += entryHash(e.getKey(), e.getValue());
    }
    return sum;
  }

  public static List<KeyVersion> entries(StorageEngine engine, TokenRange range) {
    List<KeyVersion> entries = new ArrayList<>();
    engine.scan(range, (key, record) -> entries.add(new KeyVersion(key, record.version())));
    return entries;
  }

  static long entryHash(String key, Version version) {
    return HASH.newHasher()
        .putString(key, StandardCharsets.UTF_8)
        .putLong(version.physicalMs())
        .putInt(version.logical())
        .putString(version.nodeId(), StandardCharsets.UTF_8)
        .hash()
        .asLong();
  }
}

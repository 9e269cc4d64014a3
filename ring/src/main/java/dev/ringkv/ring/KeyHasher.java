package dev.ringkv.ring;

import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.digest.MurmurHash3;

/** Maps a key to its position on the signed 64-bit ring. Tests may pin their own. */
@FunctionalInterface
public interface KeyHasher {

  long hash(String key);

  /**
   * The production hash: the first 64 bits of Murmur3 x64-128 (seed 0) of the key's UTF-8
   * bytes. Stored data is laid out by it: it must never change.
   */
  static KeyHasher murmur3() {
    return Murmur3.INSTANCE;
  }

  /** The production hash, as one object. */
  final class Murmur3 implements KeyHasher {
    private static final Murmur3 INSTANCE = new Murmur3();

    private Murmur3() {}

    @Override
    public long hash(String key) {
      byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
      return MurmurHash3.hash128x64(bytes, 0, bytes.length, 0)[0];
    }
  }
}

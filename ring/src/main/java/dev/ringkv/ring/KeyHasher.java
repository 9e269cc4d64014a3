package dev.ringkv.ring;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/** Maps a key to its position on the signed 64-bit ring. Tests may pin their own. */
@FunctionalInterface
public interface KeyHasher {

  long hash(String key);

  /** The production hash: the first 64 bits of Murmur3 x64-128 of the key's UTF-8 bytes. */
  static KeyHasher murmur3() {
    return Murmur3.INSTANCE;
  }

  /** Holder so the Guava function is created once. */
  final class Murmur3 implements KeyHasher {
    private static final Murmur3 INSTANCE = new Murmur3();
    private static final HashFunction FUNCTION = Hashing.murmur3_128();

    private Murmur3() {}

    @Override
    public long hash(String key) {
      return FUNCTION.hashString(key, StandardCharsets.UTF_8).asLong();
    }
  }
}

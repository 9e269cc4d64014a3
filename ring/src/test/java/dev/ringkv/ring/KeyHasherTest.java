package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Stored data is laid out by the key hash, so it must place every key where it always did. */
class KeyHasherTest {

  private static final HashFunction PLACED_WITH = Hashing.murmur3_128();

  @Test
  void placesEveryKeyWhereGuavasMurmur3Did() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    KeyHasher hasher = KeyHasher.murmur3();
    for (int i = 0; i < 100_000; i++) {
      String key = randomKey(random);
      assertThat(hasher.hash(key)).as("key %s (seed %d)", key, seed)
          .isEqualTo(PLACED_WITH.hashString(key, StandardCharsets.UTF_8).asLong());
    }
  }

  @Test
  void keepsTheKnownPositionsOfSomeKeys() {
    KeyHasher hasher = KeyHasher.murmur3();
    assertThat(hasher.hash("")).isEqualTo(0L);
    assertThat(hasher.hash("key1")).isEqualTo(1573573083296714675L);
    assertThat(hasher.hash("user:42")).isEqualTo(-3674646904862786968L);
    assertThat(hasher.hash("\u043a\u043b\u044e\u0447")).isEqualTo(-693430156023627069L);
    assertThat(hasher.hash("\ud83d\udd11")).isEqualTo(-6836154638540099656L);
  }

  /** Up to 40 characters: ASCII, other BMP characters, and whole surrogate pairs. */
  private static String randomKey(Random random) {
    StringBuilder key = new StringBuilder();
    int length = random.nextInt(41);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(3)) {
        case 0 -> key.append((char) ('a' + random.nextInt(26)));
        case 1 -> key.append((char) (0x80 + random.nextInt(0xD800 - 0x80)));
        default -> key.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
      }
    }
    return key.toString();
  }
}

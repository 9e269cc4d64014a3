package dev.ringkv.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VersionTest {

  @Test
  void ordersByWallClockThenCounterThenWriter() {
    Version v = new Version(100, 5, "node-b");
    assertThat(v).isGreaterThan(new Version(99, 9, "node-z"));
    assertThat(v).isGreaterThan(new Version(100, 4, "node-z"));
    assertThat(v).isGreaterThan(new Version(100, 5, "node-a"));
    assertThat(v).isLessThan(new Version(100, 5, "node-c"));
    assertThat(v.compareTo(new Version(100, 5, "node-b"))).isZero();
    assertThat(new Version(Long.MIN_VALUE, 0, "a")).isLessThan(new Version(Long.MAX_VALUE, 0, "a"));
  }

  @Test
  void theOrderIsAntisymmetricAndAgreesWithEquality() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int i = 0; i < 10_000; i++) {
      Version a = randomVersion(random);
      Version b = randomVersion(random);
      assertThat(Integer.signum(a.compareTo(b)))
          .as("seed %d: %s against %s", seed, a, b).isEqualTo(-Integer.signum(b.compareTo(a)));
      assertThat(a.compareTo(b) == 0).as("seed %d: %s against %s", seed, a, b)
          .isEqualTo(a.equals(b));
    }
  }

  private static Version randomVersion(Random random) {
    return new Version(random.nextInt(3) - 1L, random.nextInt(3), "n" + random.nextInt(3));
  }
}

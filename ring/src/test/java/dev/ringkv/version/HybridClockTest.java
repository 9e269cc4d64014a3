package dev.ringkv.version;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridClockTest {

  private final AtomicLong wall = new AtomicLong(1_000);
  private final HybridClock clock = new HybridClock("n1", wall::get);

  @Test
  void versionsIncreaseWithinTheSameMillisecond() {
    Version a = clock.next();
    Version b = clock.next();
    assertThat(b).isGreaterThan(a);
    assertThat(b.physicalMs()).isEqualTo(1_000);
    assertThat(b.logical()).isEqualTo(a.logical() + 1);
  }

  @Test
  void versionsIncreaseWhenTheWallClockGoesBackwards() {
    Version a = clock.next();
    wall.set(500);
    assertThat(clock.next()).isGreaterThan(a);
  }

  @Test
  void aNewMillisecondResetsTheLogicalCounter() {
    clock.next();
    clock.next();
    wall.set(1_001);
    assertThat(clock.next()).isEqualTo(new Version(1_001, 0, "n1"));
  }

  @Test
  void observingARemoteVersionFromTheFutureKeepsLaterStampsNewer() {
    Version remote = new Version(5_000, 7, "n2");
    clock.observe(remote);
    Version local = clock.next();
    assertThat(local).isGreaterThan(remote);
    assertThat(local.physicalMs()).isEqualTo(5_000);
  }

  @Test
  void orderIsPhysicalThenLogicalThenNodeId() {
    assertThat(new Version(2, 0, "a")).isGreaterThan(new Version(1, 9, "z"));
    assertThat(new Version(1, 2, "a")).isGreaterThan(new Version(1, 1, "z"));
    assertThat(new Version(1, 1, "b")).isGreaterThan(new Version(1, 1, "a"));
    assertThat(new Version(1, 1, "a").isNewerThan(null)).isTrue();
  }
}

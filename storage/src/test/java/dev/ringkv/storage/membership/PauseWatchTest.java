package dev.ringkv.storage.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.storage.engine.TombstoneGrace;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A 10 s grace: a pause is a gap of more than 5 s between beats. */
class PauseWatchTest {

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final PauseWatch watch =
      new PauseWatch(new TombstoneGrace(Duration.ofSeconds(10), clock::get));

  private void beatEvery(long ms, int beats) {
    for (int i = 0; i < beats; i++) {
      clock.addAndGet(ms);
      watch.tick();
    }
  }

  @Test
  void beatsAtTheirPaceRaiseNothingThoughTheManagerNeverAnswers() {
    beatEvery(300, 100);
    beatEvery(5_000, 3); // a slow beat, but not more than half the grace
    assertThat(watch.unsettledPause()).isEmpty();
  }

  @Test
  void aPauseShowsBeforeTheNextBeatAndStaysUntilTheManagerAnswers() {
    beatEvery(300, 3);
    clock.addAndGet(5_001);
    assertThat(watch.unsettledPause()).as("before any beat").contains(Duration.ofMillis(5_001));

    watch.tick();
    beatEvery(300, 10); // the manager does not answer
    assertThat(watch.unsettledPause()).contains(Duration.ofMillis(5_001));

    watch.settled();
    assertThat(watch.unsettledPause()).isEmpty();
  }
}

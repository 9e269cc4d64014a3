package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import java.util.Arrays;

/** A well-behaved client beside a hostile one: its reads must stay fast. */
final class OtherClient {

  /** The p99 another client's reads may reach while a node is under attack. */
  static final long MAX_P99_MS = 500;

  private OtherClient() {}

  /** Reads a small value 300 times and asserts the p99 stays under {@link #MAX_P99_MS}. */
  static void assertServedQuickly(KvClient kv, String when) {
    kv.put("other-client", "v");
    long[] millis = new long[300];
    for (int i = 0; i < millis.length; i++) {
      long start = System.nanoTime();
      assertThat(kv.get("other-client").value()).contains("v");
      millis[i] = (System.nanoTime() - start) / 1_000_000;
    }
    Arrays.sort(millis);
    long p99 = millis[(int) (millis.length * 0.99)];
    System.out.println(when + ": another client's p99 " + p99 + " ms");
    assertThat(p99).as("another client's p99 in ms " + when).isLessThan(MAX_P99_MS);
  }
}

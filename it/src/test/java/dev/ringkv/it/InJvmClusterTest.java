package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvException;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.NodeState;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The in-JVM tier: whole clusters in this JVM, on in-process channels and real RocksDB. */
class InJvmClusterTest {

  @Test
  void aFiveNodeClusterStartsAndServesEveryConsistencyLevel() throws Exception {
    long start = System.nanoTime();
    try (InJvmCluster cluster = InJvmCluster.start(5, 3)) {
      System.out.printf("in-JVM cluster of 5 nodes up in %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
      KvClient kv = cluster.client();
      for (Consistency level : Consistency.values()) {
        String key = "key-" + level;
        kv.putAsync(key, bytes("v-" + level), level).join();
        assertThat(kv.getAsync(key, level).join().value()).as(level.toString())
            .contains("v-" + level);
      }
      kv.delete("key-QUORUM");
      assertThat(kv.get("key-QUORUM").found()).isFalse();
    }
  }

  @Test
  void aStoppedNodeIsMarkedDownAndEveryKeyStaysReadableAndWritable() throws Exception {
    try (InJvmCluster cluster = InJvmCluster.start(5, 3)) {
      KvClient kv = cluster.client();
      for (int i = 0; i < 50; i++) {
        kv.put("k" + i, "first-" + i);
      }
      cluster.stop("server2");
      for (int i = 0; i < 50; i++) {
        assertThat(kv.get("k" + i).value()).as("k" + i).contains("first-" + i);
        kv.put("k" + i, "second-" + i);
      }
      cluster.awaitTable(t -> t.node("server2").orElseThrow().state() == NodeState.DOWN,
          "server2 marked DOWN");
      for (int i = 0; i < 50; i++) {
        assertThat(kv.get("k" + i).value()).as("k" + i).contains("second-" + i);
      }
    }
  }

  @Test
  void aKeyOverTheLimitIsRefusedByTheNodeWithItsReason() throws Exception {
    try (InJvmCluster cluster = InJvmCluster.start(3, 3)) {
      KvClient kv = cluster.client();
      assertThatThrownBy(() -> kv.put("k".repeat(1025), "v"))
          .isInstanceOf(KvException.class)
          .hasMessage("key is 1025 bytes, over the limit of 1024 bytes")
          .satisfies(e -> assertThat(((KvException) e).reason())
              .isEqualTo(KvException.Reason.INVALID_ARGUMENT));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

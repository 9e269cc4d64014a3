package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.ringkv.client.GetResult;
import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvException;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.ring.Consistency;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input gets the exact status and a sentence naming the limit, and changes nothing. */
@Timeout(300)
class BadInputIT {

  private static final int MAX_KEY = 1024;
  private static final int MAX_VALUE = 1024 * 1024;

  @Test
  void eachBadRequestGetsItsStatusAndMessageAndLeavesTheStoredValue() {
    try (LocalCluster cluster = LocalCluster.start(1, 1); KvClient kv = cluster.client()) {
      kv.put("k", "original");
      ManagedChannel channel = Grpc.newChannelBuilder(cluster.address("server1"),
          InsecureChannelCredentials.create()).maxInboundMessageSize(4 << 20).build();
      try {
        KvGrpc.KvBlockingStub raw = KvGrpc.newBlockingStub(channel);
        assertRejected(raw, PutRequest.newBuilder().setKey("").setValue(utf8("x")),
            "key must not be empty");
        assertRejected(raw, PutRequest.newBuilder().setKey("k".repeat(MAX_KEY + 1))
            .setValue(utf8("x")), "key is 1025 bytes, over the limit of 1024 bytes");
        assertRejected(raw, PutRequest.newBuilder().setKey("é".repeat(513)).setValue(utf8("x")),
            "key is 1026 bytes, over the limit of 1024 bytes");
        assertRejected(raw, PutRequest.newBuilder().setKey("k")
            .setValue(ByteString.copyFrom(new byte[MAX_VALUE + 1])),
            "value is 1048577 bytes, over the limit of 1048576 bytes");
        assertRejected(raw, PutRequest.newBuilder().setKey("k").setValue(utf8("x"))
            .setConsistencyValue(99), "unknown consistency level (expected ONE, QUORUM or ALL)");
        assertThat(raw.withDeadlineAfter(5, TimeUnit.SECONDS)
            .get(GetRequest.newBuilder().setKey("k").build()).getValue().toStringUtf8())
            .isEqualTo("original");
      } finally {
        channel.shutdownNow();
      }
      assertThatThrownBy(() -> kv.put("bad\uD800key", "v"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("key is not valid Unicode: unpaired surrogate at index 3");
      assertThatThrownBy(() -> kv.put("k", "\uDC00"))
          .hasMessage("value is not valid Unicode: unpaired surrogate at index 0");
      assertThat(kv.get("k").value()).contains("original");
    }
  }

  /** 1,000 random keys and values: each is stored and read back byte-exact, or rejected. */
  @Test
  void randomJunkIsStoredExactlyOrRejectedAndNoNodeDies() {
    try (LocalCluster cluster = LocalCluster.start(3, 3); KvClient kv = cluster.client()) {
      Random random = new Random(20261121);
      int stored = 0;
      int rejected = 0;
      for (int i = 0; i < 1000; i++) {
        String key = randomKey(random, i);
        byte[] value = randomValue(random);
        boolean valid = !key.isEmpty() && key.getBytes(StandardCharsets.UTF_8).length <= MAX_KEY
            && value.length <= MAX_VALUE && isWellFormed(key);
        try {
          kv.putAsync(key, value, Consistency.QUORUM).join();
          assertThat(valid).as("accepted #%d (key %d chars, value %d bytes)", i, key.length(),
              value.length).isTrue();
          GetResult back = kv.get(key);
          assertThat(Arrays.equals(back.valueBytes(), value)).as("read back #%d", i).isTrue();
          stored++;
        } catch (IllegalArgumentException e) {
          assertThat(valid).as("rejected by the client #%d: %s", i, e.getMessage()).isFalse();
          rejected++;
        } catch (CompletionException e) {
          assertThat(e.getCause()).isInstanceOf(KvException.class);
          assertThat(((KvException) e.getCause()).reason()).as(e.getCause().getMessage())
              .isEqualTo(KvException.Reason.INVALID_ARGUMENT);
          assertThat(valid).as("rejected by the server #%d: %s", i, e.getCause().getMessage())
              .isFalse();
          rejected++;
        }
      }
      System.out.printf("random junk: %d stored, %d rejected%n", stored, rejected);
      assertThat(stored).isGreaterThan(500);
      assertThat(rejected).isGreaterThan(50);
      for (String id : cluster.storageNodeIds()) {
        assertThat(cluster.isRunning(id)).as(id + " alive").isTrue();
      }
    }
  }

  private static void assertRejected(KvGrpc.KvBlockingStub raw, PutRequest.Builder request,
      String message) {
    assertThatThrownBy(() -> raw.withDeadlineAfter(10, TimeUnit.SECONDS).put(request.build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> {
          Status status = Status.fromThrowable(e);
          assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(status.getDescription()).isEqualTo(message);
        });
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static String randomKey(Random random, int i) {
    return switch (random.nextInt(10)) {
      case 0 -> ""; // empty
      case 1 -> i + "-" + "k".repeat(MAX_KEY - String.valueOf(i).length()); // just over
      case 2 -> i + "-" + "k".repeat(MAX_KEY - 1 - String.valueOf(i).length()); // exactly at
      case 3 -> i + "-" + (char) (0xD800 + random.nextInt(0x800)); // lone surrogate
      default -> i + "-" + randomText(random, random.nextInt(40));
    };
  }

  private static byte[] randomValue(Random random) {
    int size = switch (random.nextInt(40)) {
      case 0 -> MAX_VALUE + 1; // just over
      case 1 -> MAX_VALUE; // exactly at
      case 2, 3 -> 0; // empty
      default -> random.nextInt(2000);
    };
    byte[] value = new byte[size];
    random.nextBytes(value); // any bytes: values are binary
    return value;
  }

  /** Letters, control characters, accented and CJK characters, emoji (surrogate pairs). */
  private static String randomText(Random random, int length) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < length) {
      int cp = switch (random.nextInt(5)) {
        case 0 -> random.nextInt(0x20); // control characters, NUL included
        case 1 -> 0x20 + random.nextInt(0x5f);
        case 2 -> 0xC0 + random.nextInt(0x100);
        case 3 -> 0x4E00 + random.nextInt(0x5000);
        default -> 0x1F300 + random.nextInt(0x300);
      };
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  private static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}

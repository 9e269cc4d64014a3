package dev.ringkv.bench;

import dev.ringkv.client.KvClient;
import dev.ringkv.ring.Consistency;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A store the load generator drives: asynchronous reads and writes of string keys. */
interface LoadTarget {

  CompletableFuture<?> get(String key);

  CompletableFuture<?> put(String key, byte[] value);

  /** A ringkv cluster, through its client, at {@code consistency}. */
  static LoadTarget ringkv(KvClient kv, Consistency consistency) {
    return new LoadTarget() {
      @Override
      public CompletableFuture<?> get(String key) {
        return kv.getAsync(key, consistency);
      }

      @Override
      public CompletableFuture<?> put(String key, byte[] value) {
        return kv.putAsync(key, value, consistency);
      }
    };
  }

  /**
   * An etcd cluster through jetcd, each key through the client of one member: linearizable
   * reads and writes, etcd's defaults.
   */
  static LoadTarget etcd(List<KV> members) {
    return new LoadTarget() {
      @Override
      public CompletableFuture<?> get(String key) {
        return memberOf(key).get(ByteSequence.from(key, StandardCharsets.UTF_8));
      }

      @Override
      public CompletableFuture<?> put(String key, byte[] value) {
        return memberOf(key).put(ByteSequence.from(key, StandardCharsets.UTF_8),
            ByteSequence.from(value));
      }

      private KV memberOf(String key) {
        return members.get(Math.floorMod(key.hashCode(), members.size()));
      }
    };
  }
}

package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Peers answered from their in-memory engines, by node id, as the replica service would. */
final class EnginePeers implements PeerSyncClient {

  private final Map<String, MemoryStorageEngine> engines;

  EnginePeers(Map<String, MemoryStorageEngine> engines) {
    this.engines = engines;
  }

  @Override
  public CompletableFuture<Optional<List<KeyVersion>>> summary(Node peer, TokenRange range,
      long digest) {
    MemoryStorageEngine e = engines.get(peer.id());
    return CompletableFuture.completedFuture(RangeDigest.of(e, range) == digest
        ? Optional.empty() : Optional.of(RangeDigest.entries(e, range)));
  }

  @Override
  public CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys) {
    Map<String, Record> out = new HashMap<>();
    keys.forEach(k -> engines.get(peer.id()).get(k).ifPresent(r -> out.put(k, r)));
    return CompletableFuture.completedFuture(out);
  }
}

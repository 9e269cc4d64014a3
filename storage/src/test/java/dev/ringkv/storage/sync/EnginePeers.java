package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Peers answered from their in-memory engines, by node id, as the replica service would. Each
 * says it has caught up on every range, except those named in {@link #catchingUp}.
 */
final class EnginePeers implements PeerSyncClient {

  private final Map<String, MemoryStorageEngine> engines;
  final Set<String> catchingUp = new HashSet<>();
  int digestCalls;
  int listingCalls;
  int readManyCalls;
  int versionCalls;
  /** Keys and versions the peers sent in summaries and listings. */
  long entriesSent;

  EnginePeers(Map<String, MemoryStorageEngine> engines) {
    this.engines = engines;
  }

  @Override
  public CompletableFuture<Map<TokenRange, DigestCheck>> digests(Node peer,
      Map<TokenRange, Long> digests) {
    digestCalls++;
    MemoryStorageEngine e = engines.get(peer.id());
    Map<TokenRange, DigestCheck> checks = new HashMap<>();
    digests.forEach((range, digest) -> {
      RangeDigest.Summary theirs = RangeDigest.summarize(e, range);
      checks.put(range, new DigestCheck(theirs.digest() == digest,
          !catchingUp.contains(peer.id()), theirs.keys()));
    });
    return CompletableFuture.completedFuture(checks);
  }

  @Override
  public CompletableFuture<List<KeyVersion>> listing(Node peer, TokenRange range) {
    listingCalls++;
    List<KeyVersion> entries = RangeDigest.entries(engines.get(peer.id()), range);
    entriesSent += entries.size();
    return CompletableFuture.completedFuture(entries);
  }

  @Override
  public CompletableFuture<Map<String, Version>> versions(Node peer, List<String> keys) {
    versionCalls++;
    Map<String, Version> out = new HashMap<>();
    keys.forEach(k -> engines.get(peer.id()).get(k).ifPresent(r -> out.put(k, r.version())));
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys) {
    readManyCalls++;
    Map<String, Record> out = new HashMap<>();
    keys.forEach(k -> engines.get(peer.id()).get(k).ifPresent(r -> out.put(k, r)));
    return CompletableFuture.completedFuture(out);
  }

  /** The peer's engine keeps the newer of the two. */
  @Override
  public CompletableFuture<Void> handOver(Node peer, String key, Record record) {
    engines.get(peer.id()).apply(key, record);
    return CompletableFuture.completedFuture(null);
  }
}

package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.Record;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** What range sync asks of a peer. Implementations bound each call by a deadline. */
public interface PeerSyncClient {

  /**
   * The peer's keys and versions in {@code range}, or none if its digest equals {@code digest}
   * (the ranges are already in sync), and whether the peer has caught up on the range.
   */
  CompletableFuture<RangeSummary> summary(Node peer, TokenRange range, long digest);

  /**
   * A peer's answer for one range of {@link #digests}: whether it holds the range as the caller
   * does, whether it has caught up on it, and how many keys it holds there.
   */
  record DigestCheck(boolean inSync, boolean peerCaughtUp, long peerKeys) {}

  /** Most ranges one {@link #digests} call may name. */
  int MAX_DIGEST_RANGES = 4096;

  /**
   * For each range (at most {@link #MAX_DIGEST_RANGES}) with the caller's digest of it, whether
   * the peer's digest is the same and whether the peer has caught up on it; one call for all.
   */
  default CompletableFuture<Map<TokenRange, DigestCheck>> digests(Node peer,
      Map<TokenRange, Long> digests) {
    Map<TokenRange, DigestCheck> checks = new ConcurrentHashMap<>();
    CompletableFuture<?>[] calls = digests.entrySet().stream()
        .map(e -> summary(peer, e.getKey(), e.getValue()).thenAccept(s ->
            checks.put(e.getKey(), new DigestCheck(s.inSync(), s.peerCaughtUp(),
                s.entries().size()))))
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(calls).thenApply(done -> checks);
  }

  /** Every key and version the peer holds in {@code range}, whatever digests say. */
  CompletableFuture<List<KeyVersion>> listing(Node peer, TokenRange range);

  /** The peer's records of {@code keys}; keys it does not hold are absent from the map. */
  CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys);
}

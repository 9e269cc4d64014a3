package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What range sync and stray cleanup ask of a peer. Implementations bound each call by a
 * deadline.
 */
public interface PeerSyncClient {

  /**
   * A peer's answer for one range of {@link #digests}: whether it holds the range as the caller
   * does, whether it has caught up on it, and how many keys it holds there.
   */
  record DigestCheck(boolean inSync, boolean peerCaughtUp, long peerKeys) {}

  /** Most ranges one {@link #digests} call may name. */
  int MAX_DIGEST_RANGES = 4096;

  /**
   * For each range (at most {@link #MAX_DIGEST_RANGES}) with the caller's digest of it, whether
   * the peer's digest is the same, whether the peer has caught up on it and how many keys it
   * holds there; one call for all.
   */
  CompletableFuture<Map<TokenRange, DigestCheck>> digests(Node peer,
      Map<TokenRange, Long> digests);

  /** Every key and version the peer holds in {@code range}, whatever digests say. */
  CompletableFuture<List<KeyVersion>> listing(Node peer, TokenRange range);

  /** The peer's records of {@code keys}; keys it does not hold are absent from the map. */
  CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys);

  /** Most keys one {@link #versions} call may name. */
  int MAX_VERSION_KEYS = 500;

  /**
   * The versions the peer holds of {@code keys} (at most {@link #MAX_VERSION_KEYS}), values left
   * out; keys it does not hold are absent from the map.
   */
  CompletableFuture<Map<String, Version>> versions(Node peer, List<String> keys);

  /**
   * Hands the peer, a home replica of {@code key}, a copy this node held out of place; the peer
   * takes it whatever its age (this node vouches that it is not past the tombstone grace).
   */
  CompletableFuture<Void> handOver(Node peer, String key, Record record);
}

package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.Record;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What range sync asks of a peer. Implementations bound each call by a deadline. */
public interface PeerSyncClient {

  /**
   * The peer's keys and versions in {@code range}, or none if its digest equals {@code digest}
   * (the ranges are already in sync), and whether the peer has caught up on the range.
   */
  CompletableFuture<RangeSummary> summary(Node peer, TokenRange range, long digest);

  /** Every key and version the peer holds in {@code range}, whatever digests say. */
  CompletableFuture<List<KeyVersion>> listing(Node peer, TokenRange range);

  /** The peer's records of {@code keys}; keys it does not hold are absent from the map. */
  CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys);
}

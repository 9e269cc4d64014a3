package dev.ringkv.storage.sync;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.engine.StorageEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where a range differs between this node and a peer, found without listing the whole range:
 * a range too large to list is split into {@link #PARTS} parts by token, whose digests the peer
 * checks in one call, and only the parts that differ are looked into, again, until each holds at
 * most {@link #LISTED_KEYS} keys on either side; those are listed. One differing key in a range
 * of 100,000 costs three digest calls and a listing of a few dozen keys, instead of a listing of
 * all of them; and no listing grows past a few hundred keys however large the range.
 */
final class RangeNarrowing {

  static final int PARTS = 16;
  static final long LISTED_KEYS = 256;

  private RangeNarrowing() {}

  /**
   * The peer's keys and versions in the parts of {@code range} where it differs from this node.
   *
   * @param localKeys keys this node holds in the range
   * @param peerKeys keys the peer holds in the range
   */
  static CompletableFuture<List<KeyVersion>> differing(StorageEngine engine, PeerSyncClient peers,
      Node peer, TokenRange range, long localKeys, long peerKeys) {
    List<TokenRange> parts = split(range);
    if (Math.max(localKeys, peerKeys) <= LISTED_KEYS || parts.size() < 2) {
      return peers.listing(peer, range);
    }
    Map<TokenRange, RangeDigest.Summary> mine = new HashMap<>();
    Map<TokenRange, Long> digests = new HashMap<>();
    for (TokenRange part : parts) {
      RangeDigest.Summary summary = RangeDigest.summarize(engine, part);
      mine.put(part, summary);
      digests.put(part, summary.digest());
    }
    return peers.digests(peer, digests).thenCompose(checks -> {
      List<CompletableFuture<List<KeyVersion>>> differing = new ArrayList<>();
      for (TokenRange part : parts) {
        PeerSyncClient.DigestCheck check = checks.get(part);
        if (check == null) {
          differing.add(peers.listing(peer, part)); // not answered for: listed whole
        } else if (!check.inSync()) {
          differing.add(differing(engine, peers, peer, part, mine.get(part).keys(),
              check.peerKeys()));
        }
      }
      return CompletableFuture.allOf(differing.toArray(CompletableFuture[]::new))
          .thenApply(done -> {
            List<KeyVersion> all = new ArrayList<>();
            differing.forEach(f -> all.addAll(f.join()));
            return all;
          });
    });
  }

  /**
   * {@code range} cut into {@link #PARTS} consecutive parts of equal width (the whole ring when
   * its start and end are equal); fewer when it is too narrow to cut, down to itself alone.
   */
  static List<TokenRange> split(TokenRange range) {
    long width = range.end() - range.start(); // wraps: the number of tokens in the range
    long step = width == 0 ? 1L << 60 : Long.divideUnsigned(width, PARTS);
    if (step == 0) {
      return List.of(range);
    }
    List<TokenRange> parts = new ArrayList<>(PARTS);
    long start = range.start();
    for (int i = 1; i <= PARTS; i++) {
      long end = i == PARTS ? range.end() : range.start() + step * i;
      parts.add(new TokenRange(start, end));
      start = end;
    }
    return parts;
  }
}

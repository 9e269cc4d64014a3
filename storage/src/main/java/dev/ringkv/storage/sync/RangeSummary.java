package dev.ringkv.storage.sync;

import java.util.List;

/**
 * A peer's answer about one range: whether it holds exactly the caller's versions and, if not,
 * every key and version it holds there; and whether the peer has itself caught up on the range.
 *
 * @param entries empty when {@code inSync}
 * @param peerCaughtUp whether syncing from this peer proves anything: a peer that has not caught
 *     up may lack writes that were acknowledged
 */
public record RangeSummary(boolean inSync, List<KeyVersion> entries, boolean peerCaughtUp) {

  public RangeSummary {
    entries = List.copyOf(entries);
  }
}

package dev.ringkv.client;

import dev.ringkv.ring.RingTable;
import java.util.Optional;

/** Where a client keeps its last ring table between runs. */
public interface TableCache {

  Optional<RingTable> load();

  void store(RingTable table);

  /** A cache that forgets: every new client starts by asking the manager. */
  static TableCache none() {
    return new TableCache() {
      @Override
      public Optional<RingTable> load() {
        return Optional.empty();
      }

      @Override
      public void store(RingTable table) {}
    };
  }
}

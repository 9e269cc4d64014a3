package dev.ringkv.manager.membership;

import dev.ringkv.ring.RingTable;
import java.io.IOException;
import java.util.Optional;

/** Durable home of the manager's state: the last published table, which holds all of it. */
public interface StateStore {

  /** The last saved table, or empty on a fresh data dir. */
  Optional<RingTable> load() throws IOException;

  /** Saves atomically: after a crash, {@link #load()} returns this table or the previous one. */
  void save(RingTable table) throws IOException;
}

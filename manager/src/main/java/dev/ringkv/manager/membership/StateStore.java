package dev.ringkv.manager.membership;

import dev.ringkv.ring.RingTable;
import java.io.IOException;
import java.util.Optional;

/** Durable home of the manager's state: the last published table, which holds all of it. */
public interface StateStore {

  /** The last saved table, or empty on a fresh data dir. */
  Optional<RingTable> load() throws IOException;

  /**
   * Saves {@code table} in place of {@code replacing} (null: the store holds none yet), durably
   * before it returns: after a crash, {@link #load()} returns this table or the previous one.
   *
   * @throws IOException if it could not be saved, or the store no longer holds
   *     {@code replacing} (another manager published since); nothing is changed then
   */
  void save(RingTable replacing, RingTable table) throws IOException;
}

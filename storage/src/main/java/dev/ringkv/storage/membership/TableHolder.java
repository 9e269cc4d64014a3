package dev.ringkv.storage.membership;

import dev.ringkv.ring.RingTable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node's current table. Only ever replaced by a table that supersedes it. */
public final class TableHolder implements Supplier<RingTable> {

  private static final Logger log = LoggerFactory.getLogger(TableHolder.class);

  private final AtomicReference<RingTable> current;
  private final List<Consumer<RingTable>> listeners = new CopyOnWriteArrayList<>();

  public TableHolder(RingTable initial) {
    this.current = new AtomicReference<>(initial);
  }

  @Override
  public RingTable get() {
    return current.get();
  }

  /** Calls {@code listener} with every table adopted from now on, on the adopting thread. */
  public void onChange(Consumer<RingTable> listener) {
    listeners.add(listener);
  }

  /** Adopts {@code table} if it supersedes the current one; returns whether it did. */
  public boolean offer(RingTable table) {
    while (true) {
      RingTable existing = current.get();
      if (!table.supersedes(existing)) {
        return false;
      }
      if (current.compareAndSet(existing, table)) {
        log.info("adopted table epoch {} ({} of {} nodes up)", table.epoch(), table.upCount(),
            table.nodes().size());
        listeners.forEach(l -> l.accept(table));
        return true;
      }
    }
  }
}

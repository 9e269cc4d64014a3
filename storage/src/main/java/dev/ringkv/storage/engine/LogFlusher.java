package dev.ringkv.storage.engine;

import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.RocksDBException;

/**
 * When the store's writes reach its write-ahead log file. RocksDB keeps the log records of
 * writes in this process's memory ({@code manual_wal_flush}) until {@link #flush} writes them
 * out, so the writes served in one turn of the network thread share one write to the file
 * instead of making one each. Flushed, a write survives a crash of this process; the log is not
 * synced, so a power cut of the machine may still lose it, as before (other replicas hold it).
 */
final class LogFlusher {

  /** Writes out RocksDB's buffered log records. */
  interface FlushLog {
    void flush() throws RocksDBException;
  }

  private final FlushLog log;
  private final AtomicLong writesMade = new AtomicLong();
  private final AtomicLong flushes = new AtomicLong();
  private final Object flushing = new Object();
  private volatile long writesFlushed;
  private boolean closed; // guarded by flushing

  LogFlusher(FlushLog log) {
    this.log = log;
  }

  /** Counts a write that RocksDB has taken; call after each. */
  void wrote() {
    writesMade.incrementAndGet();
  }

  /** Counts {@code writes} writes that RocksDB has taken at once. */
  void wrote(int writes) {
    writesMade.addAndGet(writes);
  }

  /**
   * Writes out the log records of every write counted before this call; at once when another
   * call already has. A flush that fails throws, and the writes count as not flushed.
   */
  void flush() {
    long made = writesMade.get();
    if (writesFlushed >= made) {
      return;
    }
    synchronized (flushing) {
      if (writesFlushed >= made || closed) {
        return;
      }
      long upTo = writesMade.get(); // a flush from here on covers every write counted so far
      try {
        log.flush();
      } catch (RocksDBException e) {
        throw new StorageException("writing the write-ahead log failed: " + e.getMessage(), e);
      }
      writesFlushed = upTo;
      flushes.incrementAndGet();
    }
  }

  /** Writes counted so far. */
  long writes() {
    return writesMade.get();
  }

  /** Times the log has been written out so far: with {@link #writes()}, writes per flush. */
  long flushes() {
    return flushes.get();
  }

  /** Flushes what is left; later calls do nothing, so the store can be closed under them. */
  void close() {
    flush();
    synchronized (flushing) {
      closed = true;
    }
  }
}

package dev.ringkv.storage.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Record writes not yet handed to RocksDB. They collect in one {@link WriteBatch} and go in
 * together, so RocksDB's write path (joining a write group, a log record, a sequence number) is
 * paid once per batch instead of once per write. {@link RocksStorageEngine} hands them over
 * before the node sends a message, before it scans, and before a write is added to a batch that
 * holds {@link #MAX_WRITES} writes or {@link #MAX_BYTES} bytes. Until then {@link #lookup} finds
 * them, so a read of the key sees its newest record. Thread-safe.
 */
final class PendingWrites implements AutoCloseable {

  static final int MAX_WRITES = 1024;
  static final long MAX_BYTES = 1024 * 1024;

  private final ColumnFamilyHandle records;
  private final WriteBatch batch = new WriteBatch();
  // Per key, its pending record, or empty for a pending delete.
  private final Map<String, Optional<Record>> byKey = new HashMap<>();
  // Written under this object's lock; volatile so that the checks before every write need not
  // take it.
  private volatile long bytes;
  private volatile int writes;

  PendingWrites(ColumnFamilyHandle records) {
    this.records = records;
  }

  synchronized void put(String key, byte[] storedKey, byte[] encoded, Record record)
      throws RocksDBException {
    batch.put(records, storedKey, encoded);
    byKey.put(key, Optional.of(record));
    bytes += storedKey.length + encoded.length;
    writes++;
  }

  synchronized void delete(String key, byte[] storedKey) throws RocksDBException {
    batch.delete(records, storedKey);
    byKey.put(key, Optional.empty());
    bytes += storedKey.length;
    writes++;
  }

  /** The pending record of {@code key}, empty if its delete is pending; null if nothing is. */
  synchronized Optional<Record> lookup(String key) {
    return byKey.get(key);
  }

  boolean isEmpty() {
    return writes == 0;
  }

  boolean isFull() {
    return writes >= MAX_WRITES || bytes >= MAX_BYTES;
  }

  /**
   * Hands every pending write to {@code db} in one batch, tells {@code handedOver} how many, and
   * forgets them. {@link #isEmpty} turns true only after {@code handedOver} has been told, so a
   * caller that finds nothing pending finds those writes counted. If RocksDB refuses the batch,
   * it throws and the writes stay pending.
   */
  synchronized void writeTo(RocksDB db, WriteOptions options, IntConsumer handedOver)
      throws RocksDBException {
    if (writes == 0) {
      return;
    }
    db.write(options, batch);
    handedOver.accept(writes);
    batch.clear();
    byKey.clear();
    bytes = 0;
    writes = 0;
  }

  @Override
  public synchronized void close() {
    batch.close();
  }
}

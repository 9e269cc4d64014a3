package dev.ringkv.storage.engine;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;

/**
 * A node's RocksDB settings, each for a reason, and their native handles, closed with the
 * store.
 * <ul>
 *   <li>Write-ahead log on, not synced per write: a process crash loses nothing acknowledged;
 *       a power cut of the whole machine may lose the last moments, which other replicas hold.
 *       Its records are written out when the node is about to send a message, not per write
 *       ({@code manual_wal_flush}, {@link LogFlusher}): the writes one turn of the network
 *       thread serves share one write to the file, and reach RocksDB as one batch
 *       ({@link PendingWrites}).
 *   <li>Memtables of 16 MiB, at most 3: writes keep flowing while one is flushed, in bounded
 *       memory.
 *   <li>One 32 MiB LRU block cache for both column families, holding index and filter blocks
 *       too: the store's read memory is bounded by construction, outside the Java heap.
 *   <li>Bloom filters, 10 bits per key: every write reads its key first (to keep the newer
 *       version), and for a new key the filter answers "absent" without reading SST blocks.
 *   <li>No compression above the bottom level (small values gain nothing, and every flush and
 *       compaction would pay for it); LZ4 at the bottom, where most bytes of large values rest.
 *   <li>RocksDB's own LOG at WARN, two files of 4 MiB: otherwise it grows in the data dir
 *       without bound.
 *   <li>Two background jobs (flush, compaction): a node shares 2 cores with its peers.
 * </ul>
 */
final class RocksOptions implements AutoCloseable {

  private static final long WRITE_BUFFER_BYTES = 16L * 1024 * 1024;
  private static final int MAX_WRITE_BUFFERS = 3;
  private static final long BLOCK_CACHE_BYTES = 32L * 1024 * 1024;
  private static final int BLOOM_BITS_PER_KEY = 10;
  private static final long LOG_FILE_BYTES = 4L * 1024 * 1024;

  private final LRUCache cache = new LRUCache(BLOCK_CACHE_BYTES);
  private final BloomFilter filter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
  final DBOptions db = new DBOptions()
      .setCreateIfMissing(true)
      .setCreateMissingColumnFamilies(true)
      .setManualWalFlush(true)
      .setMaxBackgroundJobs(2)
      .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
      .setKeepLogFileNum(2)
      .setMaxLogFileSize(LOG_FILE_BYTES);
  final ColumnFamilyOptions columnFamilies = new ColumnFamilyOptions()
      .setWriteBufferSize(WRITE_BUFFER_BYTES)
      .setMaxWriteBufferNumber(MAX_WRITE_BUFFERS)
      .setCompressionType(CompressionType.NO_COMPRESSION)
      .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION)
      .setTableFormatConfig(new BlockBasedTableConfig()
          .setBlockCache(cache)
          .setFilterPolicy(filter)
          .setCacheIndexAndFilterBlocks(true));

  @Override
  public void close() {
    columnFamilies.close();
    db.close();
    filter.close();
    cache.close();
  }
}

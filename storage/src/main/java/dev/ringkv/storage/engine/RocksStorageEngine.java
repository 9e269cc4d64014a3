package dev.ringkv.storage.engine;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.version.Version;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * {@link StorageEngine} on RocksDB: records in the default column family, hints in {@code hints}.
 * Records are keyed by the key's ring token, then the key, so that one ring range is one
 * contiguous scan.
 * Record writes collect in a batch ({@link PendingWrites}, where reads find them) that goes to
 * RocksDB in one write; every write goes through RocksDB's write-ahead log, held in memory until
 * {@link #flushWrites} hands over the batch and writes the log out. The node calls that before
 * any message leaves it, so an acknowledged write survives a {@code kill -9} of the process (the
 * log is not fsynced: a power loss may lose the last moments, which the other replicas still
 * hold).
 *
 * <p>Records of recently used keys are also held in the heap ({@link RecordCache}), changed in
 * the same step as the store under the key's lock: a write compares versions with what is
 * stored without a RocksDB read, and so does a read of a hot key.
 *
 * <p>It is the one class that holds RocksDB handles (column families, iterators, each to be
 * closed in order) and the per-key locks that make each read-compare-write atomic, which is why
 * it is over 300 lines; what is stored is encoded elsewhere ({@link RecordCodec}), and how
 * RocksDB is set up is {@link RocksOptions}.
 */
public final class RocksStorageEngine implements StorageEngine {

  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] HINTS_CF = "hints".getBytes(StandardCharsets.UTF_8);
  private static final byte SEPARATOR = 0;
  private static final int LOCK_STRIPES = 1024;
  /** Heap for the records of recently used keys, unless the caller says otherwise. */
  public static final long DEFAULT_CACHE_BYTES = 16L * 1024 * 1024;

  private final RocksOptions options;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final ColumnFamilyHandle data;
  private final ColumnFamilyHandle hints;
  // Last-write-wins needs read-compare-write to be atomic per key; the cache changes with the
  // store under the same lock.
  private final ReentrantLock[] stripes = new ReentrantLock[LOCK_STRIPES];
  private final RecordCache cache;
  private final PendingWrites pending; // record writes not yet handed to RocksDB
  private final LogFlusher log;
  private final KeyHasher hasher;
  private volatile boolean closed;

  private RocksStorageEngine(RocksOptions options, RocksDB db,
      List<ColumnFamilyHandle> handles, KeyHasher hasher, RecordCache cache) {
    this.hasher = hasher;
    this.cache = cache;
    this.options = options;
    this.writeOptions = new WriteOptions();
    this.db = db;
    this.log = new LogFlusher(() -> db.flushWal(false));
    this.data = handles.get(0);
    this.hints = handles.get(1);
    this.pending = new PendingWrites(data);
    for (int i = 0; i < LOCK_STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** {@link #open(Path, KeyHasher, long)} with {@link #DEFAULT_CACHE_BYTES}. */
  public static RocksStorageEngine open(Path dir, KeyHasher hasher) {
    return open(dir, hasher, DEFAULT_CACHE_BYTES);
  }

  /**
   * Opens (creating if needed) the store in {@code dir}; {@code hasher} orders the keys, and up
   * to about {@code cacheBytes} of heap holds the records of recently used keys.
   */
  public static RocksStorageEngine open(Path dir, KeyHasher hasher, long cacheBytes) {
    return open(dir, hasher, new RecordCache(cacheBytes));
  }

  /** {@link #open(Path, KeyHasher, long)} with the cache given, which must be empty. */
  static RocksStorageEngine open(Path dir, KeyHasher hasher, RecordCache cache) {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new StorageException("cannot create the store's directory " + dir + ": "
          + e.getMessage(), e);
    }
    RocksOptions options = new RocksOptions();
    try {
      List<ColumnFamilyDescriptor> descriptors = List.of(
          new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, options.columnFamilies),
          new ColumnFamilyDescriptor(HINTS_CF, options.columnFamilies));
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(options.db, dir.toString(), descriptors, handles);
      return new RocksStorageEngine(options, db, handles, hasher, cache);
    } catch (RocksDBException e) {
      options.close();
      throw new StorageException("cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Record> get(String key) {
    Record cached = cache.get(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    // Under the key's lock, so that a write cannot land between this read and its caching.
    ReentrantLock lock = stripeFor(key.hashCode());
    lock.lock();
    try {
      Record cachedMeanwhile = cache.peek(key);
      return Optional.ofNullable(cachedMeanwhile != null ? cachedMeanwhile
          : uncachedRecord(key, "read of a key"));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean apply(String key, Record record) {
    writePendingIfFull();
    ReentrantLock lock = stripeFor(key.hashCode());
    lock.lock();
    try {
      Record current = storedRecord(key, "write of a key");
      if (current != null && !record.supersedes(current)) {
        return false;
      }
      pending.put(key, dataKey(key), RecordCodec.encode(record), record);
      cache.stored(key, record);
      return true;
    } catch (RocksDBException e) {
      throw new StorageException("write of a key failed: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean removeIfAt(String key, Version version) {
    writePendingIfFull();
    ReentrantLock lock = stripeFor(key.hashCode());
    lock.lock();
    try {
      Record current = storedRecord(key, "delete of a key");
      if (current == null || !current.version().equals(version)) {
        return false;
      }
      pending.delete(key, dataKey(key));
      cache.removed(key);
      return true;
    } catch (RocksDBException e) {
      throw new StorageException("delete of a key failed: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Before a write is added: so that if RocksDB refuses the batch, it grows no larger. */
  private void writePendingIfFull() {
    if (pending.isFull()) {
      writePending();
    }
  }

  /** Hands the pending record writes to RocksDB in one batch, and counts them for the log. */
  private void writePending() {
    if (pending.isEmpty()) {
      return;
    }
    try {
      pending.writeTo(db, writeOptions, log::wrote);
    } catch (RocksDBException e) {
      throw new StorageException("writing records failed: " + e.getMessage(), e);
    }
  }

  /** What is stored for {@code key}: cached, pending, or else in RocksDB; call under its lock. */
  private Record storedRecord(String key, String what) {
    Record cached = cache.get(key);
    return cached != null ? cached : uncachedRecord(key, what);
  }

  /** The pending record of {@code key}, or else what RocksDB stores, then cached. */
  private Record uncachedRecord(String key, String what) {
    Optional<Record> pendingRecord = pending.lookup(key);
    if (pendingRecord != null) {
      return pendingRecord.orElse(null);
    }
    return readAndCache(key, what);
  }

  /** What RocksDB stores for {@code key}, now cached; call under its lock, with none pending. */
  private Record readAndCache(String key, String what) {
    try {
      byte[] bytes = db.get(data, dataKey(key));
      if (bytes == null) {
        return null;
      }
      Record stored = RecordCodec.decode(bytes);
      cache.stored(key, stored);
      return stored;
    } catch (RocksDBException e) {
      throw new StorageException(what + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void scan(TokenRange range, BiConsumer<String, Record> visitor) {
    if (range.start() == range.end()) {
      scanTokens(Long.MIN_VALUE, true, Long.MAX_VALUE, visitor);
    } else if (range.start() < range.end()) {
      scanTokens(range.start(), false, range.end(), visitor);
    } else {
      scanTokens(range.start(), false, Long.MAX_VALUE, visitor);
      scanTokens(Long.MIN_VALUE, true, range.end(), visitor);
    }
  }

  /** Keys with tokens from {@code from} (inclusive or not) up to {@code to}, inclusive. */
  private void scanTokens(long from, boolean fromInclusive, long to,
      BiConsumer<String, Record> visitor) {
    if (!fromInclusive && from == Long.MAX_VALUE) {
      return;
    }
    long first = fromInclusive ? from : from + 1;
    writePending();
    try (RocksIterator it = db.newIterator(data)) {
      for (it.seek(tokenPrefix(first)); it.isValid(); it.next()) {
        byte[] k = it.key();
        long token = ByteBuffer.wrap(k, 0, 8).getLong() ^ Long.MIN_VALUE;
        if (token > to) {
          break;
        }
        visitor.accept(new String(k, 8, k.length - 8, StandardCharsets.UTF_8),
            RecordCodec.decode(it.value()));
      }
    }
  }

  @Override
  public long liveKeyCount() {
    long count = 0;
    writePending();
    try (RocksIterator it = db.newIterator(data)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (!RecordCodec.decode(it.value()).isTombstone()) {
          count++;
        }
      }
    }
    return count;
  }

  @Override
  public void addHint(String targetNodeId, String key, Record record) {
    putHintIfNewer(hintKey(targetNodeId, key), record);
  }

  @Override
  public List<Hint> hintsFor(String targetNodeId, int limit) {
    byte[] prefix = hintKey(targetNodeId, "");
    List<Hint> result = new ArrayList<>();
    try (RocksIterator it = db.newIterator(hints)) {
      for (it.seek(prefix); it.isValid() && result.size() < limit; it.next()) {
        byte[] k = it.key();
        if (!startsWith(k, prefix)) {
          break;
        }
        String key = new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8);
        result.add(new Hint(targetNodeId, key, RecordCodec.decode(it.value())));
      }
    }
    return result;
  }

  @Override
  public List<String> hintTargets() {
    List<String> targets = new ArrayList<>();
    try (RocksIterator it = db.newIterator(hints)) {
      it.seekToFirst();
      while (it.isValid()) {
        byte[] k = it.key();
        int sep = indexOf(k, SEPARATOR);
        targets.add(new String(k, 0, sep, StandardCharsets.UTF_8));
        byte[] next = Arrays.copyOf(k, sep + 1);
        next[sep] = SEPARATOR + 1; // first key after every hint of this target
        it.seek(next);
      }
    }
    return targets;
  }

  @Override
  public void flushWrites() {
    writePending();
    log.flush();
  }

  @Override
  public void clear() {
    // Every key's lock, so that no write caches a record this deletes.
    for (ReentrantLock lock : stripes) {
      lock.lock();
    }
    try {
      writePending(); // else they would be written after the delete
      deleteEverything();
      cache.clear();
    } finally {
      for (ReentrantLock lock : stripes) {
        lock.unlock();
      }
    }
  }

  private void deleteEverything() {
    // Stored keys start with their 8-byte token and hint keys with a node id; neither can start
    // with a 0xFF byte beyond that (UTF-8 never has one), so these ends are past every key.
    byte[] pastEveryKey = new byte[9];
    Arrays.fill(pastEveryKey, (byte) 0xFF);
    try {
      db.deleteRange(data, new byte[0], pastEveryKey);
      db.deleteRange(hints, new byte[0], pastEveryKey);
      log.wrote();
    } catch (RocksDBException e) {
      throw new StorageException("clearing the store failed: " + e.getMessage(), e);
    }
  }

  /** Per target node: how many hints this node holds for it, and the oldest one's version. */
  public record HintBacklog(long count, long oldestPhysicalMs) {}

  /** How the record cache has served lookups, and what it holds; for metrics. */
  public record CacheUse(long hits, long misses, long heldBytes) {}

  public CacheUse cacheUse() {
    return new CacheUse(cache.hits(), cache.misses(), cache.heldBytes());
  }

  /** Writes the store has taken, and how many times their log was written out; for metrics. */
  public record LogUse(long writes, long flushes) {}

  public LogUse logUse() {
    return new LogUse(log.writes(), log.flushes());
  }

  /** The hints held, by target node; read by a scan, for metrics. */
  public Map<String, HintBacklog> hintBacklogs() {
    Map<String, HintBacklog> backlogs = new TreeMap<>();
    try (RocksIterator it = db.newIterator(hints)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        String target = new String(k, 0, indexOf(k, SEPARATOR), StandardCharsets.UTF_8);
        long written = RecordCodec.decode(it.value()).version().physicalMs();
        backlogs.merge(target, new HintBacklog(1, written), (a, b) ->
            new HintBacklog(a.count() + b.count(), Math.min(a.oldestPhysicalMs(), written)));
      }
    }
    return backlogs;
  }

  /**
   * A RocksDB property of the records' column family, such as
   * {@code rocksdb.estimate-num-keys}; for metrics (writes still pending are not in it yet).
   */
  public long property(String name) {
    try {
      return db.getLongProperty(data, name);
    } catch (RocksDBException e) {
      throw new StorageException("reading " + name + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void removeHint(Hint hint) {
    deleteHintIfAt(hintKey(hint.targetNodeId(), hint.key()), hint.record().version());
  }

  @Override
  public long hintCount() {
    long count = 0;
    try (RocksIterator it = db.newIterator(hints)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        count++;
      }
    }
    return count;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    writePending();
    log.close();
    pending.close();
    data.close();
    hints.close();
    db.close();
    writeOptions.close();
    options.close();
  }

  /** Stores the hint {@code record} under {@code k} unless a newer one is stored there. */
  private void putHintIfNewer(byte[] k, Record record) {
    ReentrantLock lock = stripeFor(Arrays.hashCode(k));
    lock.lock();
    try {
      byte[] current = db.get(hints, k);
      if (current == null || record.supersedes(RecordCodec.decode(current))) {
        db.put(hints, writeOptions, k, RecordCodec.encode(record));
        log.wrote();
      }
    } catch (RocksDBException e) {
      throw new StorageException("storing a hint failed: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Deletes the hint under {@code k} if it is still at {@code version}. */
  private void deleteHintIfAt(byte[] k, Version version) {
    ReentrantLock lock = stripeFor(Arrays.hashCode(k));
    lock.lock();
    try {
      byte[] current = db.get(hints, k);
      if (current != null && RecordCodec.decode(current).version().equals(version)) {
        db.delete(hints, writeOptions, k);
        log.wrote();
      }
    } catch (RocksDBException e) {
      throw new StorageException("removing a hint failed: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private ReentrantLock stripeFor(int hash) {
    return stripes[Math.floorMod(hash, LOCK_STRIPES)];
  }

  /** Token (sign bit flipped, so bytes sort like signed longs) then the key's UTF-8 bytes. */
  private byte[] dataKey(String key) {
    byte[] k = utf8(key);
    return ByteBuffer.allocate(8 + k.length)
        .putLong(hasher.hash(key) ^ Long.MIN_VALUE)
        .put(k)
        .array();
  }

  private static byte[] tokenPrefix(long token) {
    return ByteBuffer.allocate(8).putLong(token ^ Long.MIN_VALUE).array();
  }

  private static byte[] hintKey(String target, String key) {
    byte[] t = utf8(target);
    byte[] k = utf8(key);
    byte[] out = new byte[t.length + 1 + k.length];
    System.arraycopy(t, 0, out, 0, t.length);
    out[t.length] = SEPARATOR;
    System.arraycopy(k, 0, out, t.length + 1, k.length);
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return bytes.length;
  }
}

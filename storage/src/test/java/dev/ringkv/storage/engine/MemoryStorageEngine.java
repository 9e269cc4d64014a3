package dev.ringkv.storage.engine;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.version.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;

/** An in-memory {@link StorageEngine} for unit tests of the layers above the store. */
public final class MemoryStorageEngine implements StorageEngine {

  private final KeyHasher hasher;

  public MemoryStorageEngine(KeyHasher hasher) {
    this.hasher = hasher;
  }

  public MemoryStorageEngine() {
    this(KeyHasher.murmur3());
  }

  private final Map<String, Record> data = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<String, Map<String, Record>> hints = new ConcurrentSkipListMap<>();

  @Override
  public Optional<Record> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  @Override
  public synchronized boolean apply(String key, Record record) {
    if (!record.supersedes(data.get(key))) {
      return false;
    }
    data.put(key, record);
    return true;
  }

  @Override
  public synchronized boolean removeIfAt(String key, Version version) {
    Record current = data.get(key);
    return current != null && current.version().equals(version) && data.remove(key, current);
  }

  @Override
  public void scan(TokenRange range, BiConsumer<String, Record> visitor) {
    TreeMap<String, Record> inRange = new TreeMap<>();
    data.forEach((k, r) -> {
      if (range.contains(hasher.hash(k))) {
        inRange.put(k, r);
      }
    });
    inRange.forEach(visitor);
  }

  @Override
  public long liveKeyCount() {
    return data.values().stream().filter(r -> !r.isTombstone()).count();
  }

  @Override
  public synchronized void addHint(String target, String key, Record record) {
    hints.computeIfAbsent(target, t -> new ConcurrentHashMap<>()).merge(key, record,
        (old, fresh) -> fresh.supersedes(old) ? fresh : old);
  }

  @Override
  public List<Hint> hintsFor(String target, int limit) {
    List<Hint> out = new ArrayList<>();
    hints.getOrDefault(target, Map.of()).forEach((k, r) -> {
      if (out.size() < limit) {
        out.add(new Hint(target, k, r));
      }
    });
    return out;
  }

  @Override
  public List<String> hintTargets() {
    return hints.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey)
        .toList();
  }

  @Override
  public synchronized void removeHint(Hint hint) {
    Map<String, Record> forTarget = hints.get(hint.targetNodeId());
    if (forTarget != null) {
      forTarget.remove(hint.key(), hint.record());
    }
  }

  @Override
  public long hintCount() {
    return hints.values().stream().mapToLong(Map::size).sum();
  }

  @Override
  public void clear() {
    data.clear();
    hints.clear();
  }

  @Override
  public void close() {}

  @Override
  public void flushWrites() {}
}

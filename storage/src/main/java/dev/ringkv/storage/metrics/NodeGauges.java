package dev.ringkv.storage.metrics;

import com.google.common.base.Suppliers;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.RocksStorageEngine;
import dev.ringkv.storage.sync.SyncState;
import dev.ringkv.wire.InFlightBudget;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The node's metrics that are read from its state when scraped, and cost nothing in between:
 * hints, range sync, the table, the in-flight budgets, the counters of its machinery
 * ({@link NodeCounters}) and RocksDB's own properties.
 */
public final class NodeGauges {

  /**
   * Where the figures come from.
   *
   * @param hintsStored hints stored since the node started
   * @param wallClockMs for the age of the oldest hint
   */
  public record Sources(RocksStorageEngine engine, SyncState sync, Supplier<RingTable> tables,
      InFlightBudget clientBudget, InFlightBudget peerBudget, LongSupplier hintsStored,
      NodeCounters counters, LongSupplier wallClockMs) {}

  private NodeGauges() {}

  static void register(PrometheusRegistry registry, Sources sources) {
    RocksStorageEngine engine = sources.engine();
    SyncState sync = sources.sync();
    NodeCounters counters = sources.counters();
    InFlightBudget clientBudget = sources.clientBudget();
    InFlightBudget peerBudget = sources.peerBudget();
    LongSupplier wallClockMs = sources.wallClockMs();
    // Both hint gauges read one scan of the hints per scrape.
    Supplier<Map<String, RocksStorageEngine.HintBacklog>> backlogs =
        Suppliers.memoizeWithExpiration(engine::hintBacklogs, 1, TimeUnit.SECONDS)::get;
    counter(registry, "ringkv_read_repairs_total", "Replicas a read found behind and wrote "
        + "the newest version back to", counters::readRepairs);
    counter(registry, "ringkv_speculative_reads_total", "Extra replicas asked because a "
        + "read's first ones were slower than the speculative delay", counters::speculativeReads);
    CounterWithCallback.builder()
        .name("ringkv_hints_delivered_total")
        .help("Hints handed to the replica they were kept for, by target node")
        .labelNames("target")
        .callback(cb -> counters.hintsDelivered().forEach((t, n) -> cb.call(n, t)))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_hints_dropped_total")
        .help("Hints dropped because their target left the cluster, by target node")
        .labelNames("target")
        .callback(cb -> counters.hintsDropped().forEach((t, n) -> cb.call(n, t)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_sync_last_full_pass_timestamp_seconds")
        .help("When a range sync pass last ended with every range caught up (0: never)")
        .callback(cb -> cb.call(counters.lastFullSyncMs() / 1000.0))
        .register(registry);
    counter(registry, "ringkv_sync_records_pulled_total", "Records range sync pulled from peers",
        counters::recordsPulled);
    counter(registry, "ringkv_stray_copies_dropped_total", "Copies of keys this node no "
        + "longer serves, dropped once their home replicas held them",
        counters::strayCopiesDropped);
    counter(registry, "ringkv_stray_copies_sent_total", "Copies of keys this node no longer "
        + "serves, sent to a home replica that lacked them (a decommissioned node hands over "
        + "its keys this way)", counters::strayCopiesSent);
    GaugeWithCallback.builder()
        .name("ringkv_stray_copies_kept")
        .help("Copies a LEAVING node keeps although a new replica lacks them: it has been "
            + "leaving for more than half the tombstone grace, so it hands them over no more")
        .callback(cb -> cb.call(counters.strayCopiesKept()))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_replica_failures_total")
        .help("Replica reads and writes this node sent as coordinator that failed, by peer and "
            + "kind (timeout or error)")
        .labelNames("peer", "kind")
        .callback(cb -> counters.replicaFailures().forEach((peer, counts) -> {
          cb.call(counts[0], peer, "timeout");
          cb.call(counts[1], peer, "error");
        }))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_hints_held")
        .help("Hints this node holds for a replica that missed writes, by target node")
        .labelNames("target")
        .callback(cb -> backlogs.get().forEach((target, b) -> cb.call(b.count(), target)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_hint_oldest_age_seconds")
        .help("Age of the oldest hint held for a target node (by the write's version)")
        .labelNames("target")
        .callback(cb -> {
          long now = wallClockMs.getAsLong();
          backlogs.get().forEach((target, b) ->
              cb.call(Math.max(0, now - b.oldestPhysicalMs()) / 1000.0, target));
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_hints_stored_total")
        .help("Hints stored for replicas that missed writes since the node started")
        .callback(cb -> cb.call(sources.hintsStored().getAsLong()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_sync_ranges_pending")
        .help("Ranges this node still has to pull from its peers")
        .callback(cb -> cb.call(sync.pending().size()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_caught_up")
        .help("1 when every range this node serves is caught up, so its reads all count")
        .callback(cb -> cb.call(sync.allCaughtUp() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_table_epoch")
        .help("Epoch of the ring table this node routes with")
        .callback(cb -> cb.call(sources.tables().get().epoch()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_in_flight_bytes")
        .help("Bytes of requests (and replies not yet sent) held, by who sent them")
        .labelNames("from")
        .callback(cb -> {
          cb.call(clientBudget.heldBytes(), "clients");
          cb.call(peerBudget.heldBytes(), "peers");
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_overload_refusals_total")
        .help("Requests refused with RESOURCE_EXHAUSTED because the budget was used up")
        .labelNames("from")
        .callback(cb -> {
          cb.call(clientBudget.refusals(), "clients");
          cb.call(peerBudget.refusals(), "peers");
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_record_cache_lookups_total")
        .help("Lookups of a key's stored record in the node's heap cache, by result: a miss "
            + "reads RocksDB")
        .labelNames("result")
        .callback(cb -> {
          RocksStorageEngine.CacheUse use = engine.cacheUse();
          cb.call(use.hits(), "hit");
          cb.call(use.misses(), "miss");
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_record_cache_bytes")
        .help("Heap the record cache holds, estimated (at most --record-cache-bytes)")
        .callback(cb -> cb.call(engine.cacheUse().heldBytes()))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_store_writes_total")
        .help("Writes the node's store has taken (records, deletes, hints)")
        .callback(cb -> cb.call(engine.logUse().writes()))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_wal_flushes_total")
        .help("Times the store's write-ahead log was written out, before a message left the "
            + "node: writes per flush is how many writes shared one")
        .callback(cb -> cb.call(engine.logUse().flushes()))
        .register(registry);
    rocksGauge(registry, engine, "ringkv_rocksdb_estimated_keys", "rocksdb.estimate-num-keys",
        "RocksDB's estimate of the keys stored (tombstones included)");
    rocksGauge(registry, engine, "ringkv_rocksdb_live_sst_bytes", "rocksdb.live-sst-files-size",
        "Bytes of the SST files the current version of the store uses");
    rocksGauge(registry, engine, "ringkv_rocksdb_memtable_bytes", "rocksdb.cur-size-all-mem-tables",
        "Bytes in RocksDB's memtables");
    rocksGauge(registry, engine, "ringkv_rocksdb_pending_compaction_bytes",
        "rocksdb.estimate-pending-compaction-bytes", "Bytes RocksDB estimates compaction must "
            + "rewrite to settle the store");
    rocksGauge(registry, engine, "ringkv_rocksdb_write_stopped", "rocksdb.is-write-stopped",
        "1 while RocksDB stops writes (a stall)");
  }

  private static void counter(PrometheusRegistry registry, String name, String help,
      LongSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsLong()))
        .register(registry);
  }

  private static void rocksGauge(PrometheusRegistry registry, RocksStorageEngine engine,
      String name, String property, String help) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(engine.property(property)))
        .register(registry);
  }
}

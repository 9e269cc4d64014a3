package dev.ringkv.storage.metrics;

import dev.ringkv.proto.ConsistencyProto;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.RocksStorageEngine;
import dev.ringkv.storage.sync.SyncState;
import dev.ringkv.wire.InFlightBudget;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A storage node's metrics, in one Prometheus registry (served by the process's
 * {@link dev.ringkv.metrics.MetricsEndpoint}). Requests are counted as they finish, by the
 * services at the edge; everything else (hints, range sync, budgets, RocksDB) is read from the
 * node's own state when scraped, so it costs nothing between scrapes. Names follow Prometheus
 * conventions: {@code ringkv_} prefix, base units, {@code _total} for counters.
 */
public final class NodeMetrics {

  // Request latencies from 0.25 ms to 10 s: a healthy node answers in a few ms, a timeout in 1 s.
  private static final double[] LATENCY_BUCKETS = {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests = Counter.builder()
      .name("ringkv_requests_total")
      .help("Client requests this node coordinated, by operation, consistency and outcome "
          + "(ok, or the gRPC status code)")
      .labelNames("operation", "consistency", "outcome")
      .withoutExemplars()
      .register(registry);
  private final Histogram requestSeconds = Histogram.builder()
      .name("ringkv_request_duration_seconds")
      .help("Time from a client request's arrival to its answer, coordinator side")
      .labelNames("operation")
      .classicOnly()
      .classicUpperBounds(LATENCY_BUCKETS)
      .withoutExemplars()
      .register(registry);
  private final Counter replicaRequests = Counter.builder()
      .name("ringkv_replica_requests_total")
      .help("Reads and writes this node served as a replica for a coordinator, by outcome")
      .labelNames("operation", "outcome")
      .withoutExemplars()
      .register(registry);
  private final Histogram replicaSeconds = Histogram.builder()
      .name("ringkv_replica_request_duration_seconds")
      .help("Time this node took to serve a replica read or write")
      .labelNames("operation")
      .classicOnly()
      .classicUpperBounds(LATENCY_BUCKETS)
      .withoutExemplars()
      .register(registry);

  /** What a client asked of the node it coordinated. */
  public enum ClientOp { PUT, DELETE, GET }

  /** What a coordinator asked of this node as a replica. */
  public enum ReplicaOp { READ, WRITE }

  // The series every successful request lands in, looked up once rather than per request (a
  // lookup by label values allocates): by operation, then by consistency's proto number.
  private final CounterDataPoint[][] okRequests =
      new CounterDataPoint[ClientOp.values().length][ConsistencyProto.values().length - 1];
  private final DistributionDataPoint[] requestLatency =
      new DistributionDataPoint[ClientOp.values().length];
  private final CounterDataPoint[] okReplicaRequests =
      new CounterDataPoint[ReplicaOp.values().length];
  private final DistributionDataPoint[] replicaLatency =
      new DistributionDataPoint[ReplicaOp.values().length];

  public NodeMetrics() {
    for (ClientOp op : ClientOp.values()) {
      for (int level = 0; level < okRequests[op.ordinal()].length; level++) {
        okRequests[op.ordinal()][level] =
            requests.labelValues(label(op), consistencyLabel(level), "ok");
      }
      requestLatency[op.ordinal()] = requestSeconds.labelValues(label(op));
    }
    for (ReplicaOp op : ReplicaOp.values()) {
      okReplicaRequests[op.ordinal()] = replicaRequests.labelValues(label(op), "ok");
      replicaLatency[op.ordinal()] = replicaSeconds.labelValues(label(op));
    }
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** A client request finished: {@code error} null for success. */
  public void clientRequest(ClientOp op, ConsistencyProto consistency, Throwable error,
      long startNanos) {
    int level = consistency == ConsistencyProto.UNRECOGNIZED ? -1 : consistency.getNumber();
    if (error == null && level >= 0 && level < okRequests[op.ordinal()].length) {
      okRequests[op.ordinal()][level].inc();
    } else {
      requests.labelValues(label(op), level < 0 ? "unrecognized" : consistencyLabel(level),
          outcome(error)).inc();
    }
    requestLatency[op.ordinal()].observe(secondsSince(startNanos));
  }

  /** A replica request finished: {@code error} null for success. */
  public void replicaRequest(ReplicaOp op, Throwable error, long startNanos) {
    if (error == null) {
      okReplicaRequests[op.ordinal()].inc();
    } else {
      replicaRequests.labelValues(label(op), outcome(error)).inc();
    }
    replicaLatency[op.ordinal()].observe(secondsSince(startNanos));
  }

  private static String label(Enum<?> op) {
    return op.name().toLowerCase(Locale.ROOT);
  }

  private static String consistencyLabel(int number) {
    ConsistencyProto level = ConsistencyProto.forNumber(number);
    return level == ConsistencyProto.CONSISTENCY_UNSPECIFIED ? "default"
        : level.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Registers the gauges read from the node's state at each scrape.
   *
   * @param hintsStored hints stored since the node started
   * @param wallClockMs for the age of the oldest hint
   */
  public void watch(RocksStorageEngine engine, SyncState sync, Supplier<RingTable> tables,
      InFlightBudget clientBudget, InFlightBudget peerBudget, LongSupplier hintsStored,
      NodeCounters counters, LongSupplier wallClockMs) {
    counter("ringkv_read_repairs_total", "Replicas a read found behind and wrote the newest "
        + "version back to", counters::readRepairs);
    counter("ringkv_speculative_reads_total", "Extra replicas asked because a read's first "
        + "ones were slower than the speculative delay", counters::speculativeReads);
    counter("ringkv_hints_delivered_total", "Hints handed to the replica they were kept for",
        counters::hintsDelivered);
    counter("ringkv_hints_dropped_total", "Hints dropped because their target left the cluster",
        counters::hintsDropped);
    counter("ringkv_sync_records_pulled_total", "Records range sync pulled from peers",
        counters::recordsPulled);
    counter("ringkv_stray_copies_dropped_total", "Copies of keys this node no longer serves, "
        + "dropped once their home replicas held them", counters::strayCopiesDropped);
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
        .callback(cb -> engine.hintBacklogs().forEach((target, b) -> cb.call(b.count(), target)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_hint_oldest_age_seconds")
        .help("Age of the oldest hint held for a target node (by the write's version)")
        .labelNames("target")
        .callback(cb -> {
          long now = wallClockMs.getAsLong();
          engine.hintBacklogs().forEach((target, b) ->
              cb.call(Math.max(0, now - b.oldestPhysicalMs()) / 1000.0, target));
        })
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_hints_stored_total")
        .help("Hints stored for replicas that missed writes since the node started")
        .callback(cb -> cb.call(hintsStored.getAsLong()))
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
        .callback(cb -> cb.call(tables.get().epoch()))
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
    rocksGauge(engine, "ringkv_rocksdb_estimated_keys", "rocksdb.estimate-num-keys",
        "RocksDB's estimate of the keys stored (tombstones included)");
    rocksGauge(engine, "ringkv_rocksdb_live_sst_bytes", "rocksdb.live-sst-files-size",
        "Bytes of the SST files the current version of the store uses");
    rocksGauge(engine, "ringkv_rocksdb_memtable_bytes", "rocksdb.cur-size-all-mem-tables",
        "Bytes in RocksDB's memtables");
    rocksGauge(engine, "ringkv_rocksdb_pending_compaction_bytes",
        "rocksdb.estimate-pending-compaction-bytes", "Bytes RocksDB estimates compaction must "
            + "rewrite to settle the store");
    rocksGauge(engine, "ringkv_rocksdb_write_stopped", "rocksdb.is-write-stopped",
        "1 while RocksDB stops writes (a stall)");
  }

  private void counter(String name, String help, LongSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsLong()))
        .register(registry);
  }

  private void rocksGauge(RocksStorageEngine engine, String name, String property, String help) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(engine.property(property)))
        .register(registry);
  }

  private static String outcome(Throwable error) {
    return error == null ? "ok"
        : Status.fromThrowable(error).getCode().name().toLowerCase(Locale.ROOT);
  }

  private static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / (double) TimeUnit.SECONDS.toNanos(1);
  }
}

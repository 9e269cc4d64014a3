package dev.ringkv.storage.metrics;

import dev.ringkv.proto.ConsistencyProto;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A storage node's metrics, in one Prometheus registry (served by the process's
 * {@link dev.ringkv.metrics.MetricsEndpoint}). Requests are counted as they finish, by the
 * services at the edge; everything else (hints, range sync, budgets, RocksDB) is read from the
 * node's own state when scraped ({@link NodeGauges}), so it costs nothing between scrapes.
 * Names follow Prometheus conventions: {@code ringkv_} prefix, base units, {@code _total} for
 * counters.
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
  // What each kind of request stream carried, by who sends on it: "clients", "peers".
  private final Map<String, LongSupplier> streamFrames = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> streamRequests = new ConcurrentHashMap<>();

  public NodeMetrics() {
    CounterWithCallback.builder()
        .name("ringkv_stream_frames_total")
        .help("Frames read from request streams, by who sent them; requests per frame is "
            + "ringkv_stream_requests_total over this")
        .labelNames("from")
        .callback(cb -> streamFrames.forEach((from, n) -> cb.call(n.getAsLong(), from)))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_stream_requests_total")
        .help("Requests read from request streams, by who sent them")
        .labelNames("from")
        .callback(cb -> streamRequests.forEach((from, n) -> cb.call(n.getAsLong(), from)))
        .register(registry);
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

  /** Registers the metrics read from the node's state at each scrape ({@link NodeGauges}). */
  public void watch(NodeGauges.Sources sources) {
    NodeGauges.register(registry, sources);
  }

  /**
   * Counts what the streams from {@code from} ({@code clients} or {@code peers}) carried:
   * frames, and the requests in them.
   */
  public void watchStreams(String from, LongSupplier frames, LongSupplier requests) {
    streamFrames.put(from, frames);
    streamRequests.put(from, requests);
  }

  private static String outcome(Throwable error) {
    return error == null ? "ok"
        : Status.fromThrowable(error).getCode().name().toLowerCase(Locale.ROOT);
  }

  private static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / (double) TimeUnit.SECONDS.toNanos(1);
  }
}

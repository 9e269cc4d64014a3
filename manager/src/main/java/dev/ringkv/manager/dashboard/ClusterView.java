package dev.ringkv.manager.dashboard;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The dashboard's picture of the cluster, as JSON: the manager's table (nodes, states, each
 * node's share of the ring at the replication factor) and, for each node that is up, what its
 * metrics say (keys, hints, caught up, ops/s and p99 since the previous look). Nodes are scraped
 * only when the page asks, at most once a second; a node that does not answer shows no figures.
 */
public final class ClusterView {

  private static final long MIN_INTERVAL_MS = 1_000;

  private final Supplier<RingTable> tables;
  private final NodeProbe probe;
  private final LongSupplier clockMs;
  private final Map<String, Integer> metricsPorts = new ConcurrentHashMap<>();
  private Map<String, Sample> previous = new HashMap<>();
  private Map<String, Sample> latest = new HashMap<>();
  private long lastLookMs;

  /** One scrape of a node, and when it was taken. */
  private record Sample(NodeScrape scrape, long atMs) {}

  public ClusterView(Supplier<RingTable> tables, NodeProbe probe, LongSupplier clockMs) {
    this.tables = tables;
    this.probe = probe;
    this.clockMs = clockMs;
    this.lastLookMs = clockMs.getAsLong() - MIN_INTERVAL_MS; // the first call looks
  }

  /** The cluster now, as the page's JSON. */
  public synchronized String json() {
    RingTable table = tables.get();
    long now = clockMs.getAsLong();
    if (now - lastLookMs >= MIN_INTERVAL_MS) {
      look(table, now);
      lastLookMs = now;
    }
    Map<String, Double> shares = ownership(table);
    StringBuilder out = new StringBuilder();
    out.append("{\"clusterId\":").append(quote(table.clusterId()))
        .append(",\"epoch\":").append(table.epoch())
        .append(",\"replication\":").append(table.replicationFactor());
    double clusterOps = 0;
    NodeScrape sumNow = null;
    NodeScrape sumBefore = null;
    StringBuilder nodes = new StringBuilder();
    for (Node node : table.nodes()) {
      Sample last = node.isUp() ? latest.get(node.id()) : null;
      Sample before = previous.get(node.id());
      double ops = Double.NaN;
      double p99 = Double.NaN;
      if (last != null && before != null && last.atMs() > before.atMs()) {
        ops = (last.scrape().requests() - before.scrape().requests()) * 1000.0
            / (last.atMs() - before.atMs());
        p99 = last.scrape().p99Since(before.scrape());
        clusterOps += Math.max(0, ops);
        sumNow = plus(sumNow, last.scrape());
        sumBefore = plus(sumBefore, before.scrape());
      }
      if (nodes.length() > 0) {
        nodes.append(',');
      }
      nodes.append("{\"id\":").append(quote(node.id()))
          .append(",\"address\":").append(quote(node.address()))
          .append(",\"state\":").append(quote(node.state().name()))
          .append(",\"ownership\":").append(number(shares.getOrDefault(node.id(), 0.0)))
          .append(",\"keys\":").append(last == null ? "null" : number(last.scrape().keys()))
          .append(",\"hints\":").append(last == null ? "null" : number(last.scrape().hints()))
          .append(",\"caughtUp\":").append(last == null ? "null" : last.scrape().caughtUp())
          .append(",\"opsPerSecond\":").append(number(ops))
          .append(",\"p99Ms\":").append(number(p99 * 1000))
          .append('}');
    }
    double clusterP99 = sumNow == null ? Double.NaN : sumNow.p99Since(sumBefore);
    out.append(",\"opsPerSecond\":").append(number(sumNow == null ? Double.NaN : clusterOps))
        .append(",\"p99Ms\":").append(number(clusterP99 * 1000))
        .append(",\"nodes\":[").append(nodes).append("]}");
    return out.toString();
  }

  /** Scrapes every node that is up; keeps the last scrape of each to compute rates against. */
  private void look(RingTable table, long now) {
    Map<String, Sample> next = new HashMap<>();
    for (Node node : table.nodes()) {
      if (!node.isUp()) {
        continue;
      }
      Optional<Integer> port = Optional.ofNullable(metricsPorts.get(node.id()))
          .or(() -> probe.metricsPort(node));
      port.ifPresent(p -> metricsPorts.put(node.id(), p));
      port.flatMap(p -> probe.scrape(node, p))
          .ifPresentOrElse(text -> next.put(node.id(), new Sample(NodeScrape.parse(text), now)),
              () -> metricsPorts.remove(node.id())); // it may be back on another port
    }
    previous = latest;
    latest = next;
  }

  /** Each node's share of the ring's data at the replication factor; the shares add up to 1. */
  static Map<String, Double> ownership(RingTable table) {
    Map<String, Double> shares = new TreeMap<>();
    List<TokenRange> ranges = table.ranges();
    double total = 0;
    for (TokenRange range : ranges) {
      // Unsigned width of (start, end]: the whole ring when start == end (one token).
      double width = range.start() == range.end() ? Math.pow(2, 64)
          : unsigned(range.end() - range.start());
      for (Node replica : table.homeReplicas(range.end())) {
        shares.merge(replica.id(), width, Double::sum);
        total += width;
      }
    }
    double sum = total;
    shares.replaceAll((id, width) -> width / sum);
    return shares;
  }

  private static double unsigned(long value) {
    return value >= 0 ? value : value + Math.pow(2, 64);
  }

  private static NodeScrape plus(NodeScrape a, NodeScrape b) {
    if (a == null) {
      return b;
    }
    Map<Double, Double> buckets = new TreeMap<>(a.latencyBuckets());
    b.latencyBuckets().forEach((bound, count) -> buckets.merge(bound, count, Double::sum));
    return new NodeScrape(a.requests() + b.requests(), buckets, a.keys() + b.keys(),
        a.hints() + b.hints(), a.caughtUp() && b.caughtUp());
  }

  private static String number(double value) {
    return Double.isFinite(value) ? Double.toString(Math.round(value * 1000) / 1000.0) : "null";
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}

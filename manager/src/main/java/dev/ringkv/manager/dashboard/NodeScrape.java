package dev.ringkv.manager.dashboard;

import dev.ringkv.metrics.MetricsText;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard reads from one scrape of a storage node's {@code /metrics}: its request
 * count, its request latency histogram summed over operations, and a few gauges.
 *
 * @param requests client requests coordinated since the node started
 * @param latencyBuckets cumulative counts by upper bound in seconds (+Inf included)
 */
record NodeScrape(double requests, Map<Double, Double> latencyBuckets, double keys, double hints,
    boolean caughtUp) {

  static NodeScrape parse(String text) {
    List<MetricsText.Sample> samples = MetricsText.parse(text);
    Map<Double, Double> buckets = new TreeMap<>();
    for (MetricsText.Sample s : samples) {
      if (s.name().equals("ringkv_request_duration_seconds_bucket")) {
        buckets.merge(MetricsText.value(s.labels().getOrDefault("le", "NaN")), s.value(),
            Double::sum);
      }
    }
    return new NodeScrape(MetricsText.sum(samples, "ringkv_requests_total"), buckets,
        MetricsText.sum(samples, "ringkv_rocksdb_estimated_keys"),
        MetricsText.sum(samples, "ringkv_hints_held"),
        MetricsText.sum(samples, "ringkv_caught_up") == 1);
  }

  /**
   * The latency under which 99% of the requests between {@code earlier} and this scrape were
   * answered (the upper bound of their bucket), in seconds; NaN if there were none.
   */
  double p99Since(NodeScrape earlier) {
    double total = delta(earlier, Double.POSITIVE_INFINITY);
    if (total <= 0) {
      return Double.NaN;
    }
    for (Double bound : latencyBuckets.keySet()) {
      if (delta(earlier, bound) >= 0.99 * total) {
        return bound;
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private double delta(NodeScrape earlier, double bound) {
    return latencyBuckets.getOrDefault(bound, 0.0)
        - earlier.latencyBuckets.getOrDefault(bound, 0.0);
  }
}

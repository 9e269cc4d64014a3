package dev.ringkv.manager.dashboard;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard reads from one scrape of a storage node's {@code /metrics} (the Prometheus
 * text format): its request count, its request latency histogram summed over operations, and
 * a few gauges. Lines it does not need are skipped.
 *
 * @param requests client requests coordinated since the node started
 * @param latencyBuckets cumulative counts by upper bound in seconds (+Inf included)
 */
record NodeScrape(double requests, Map<Double, Double> latencyBuckets, double keys, double hints,
    boolean caughtUp) {

  static NodeScrape parse(String text) {
    double requests = 0;
    double keys = 0;
    double hints = 0;
    boolean caughtUp = false;
    Map<Double, Double> buckets = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String series = line.substring(0, space);
      double value = parseValue(line.substring(space + 1));
      String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
      switch (name) {
        case "ringkv_requests_total" -> requests += value;
        case "ringkv_request_duration_seconds_bucket" ->
            buckets.merge(parseValue(label(series, "le")), value, Double::sum);
        case "ringkv_rocksdb_estimated_keys" -> keys = value;
        case "ringkv_hints_held" -> hints += value;
        case "ringkv_caught_up" -> caughtUp = value == 1;
        default -> { }
      }
    }
    return new NodeScrape(requests, buckets, keys, hints, caughtUp);
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

  private static String label(String series, String name) {
    int at = series.indexOf(name + "=\"");
    if (at < 0) {
      return "NaN";
    }
    int start = at + name.length() + 2;
    return series.substring(start, series.indexOf('"', start));
  }

  private static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          yield Double.NaN;
        }
      }
    };
  }
}

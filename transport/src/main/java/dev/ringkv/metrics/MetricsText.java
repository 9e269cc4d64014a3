package dev.ringkv.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the Prometheus text format as a ringkv process serves it ({@code name{labels} value},
 * one sample per line; comments skipped): for the tools that read a node's metrics themselves,
 * the manager's dashboard and the bench.
 */
public final class MetricsText {

  /** One line: a metric's name, its labels, and its value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private MetricsText() {}

  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String series = line.substring(0, space);
      int brace = series.indexOf('{');
      String name = brace < 0 ? series : series.substring(0, brace);
      Map<String, String> labels = brace < 0 ? Map.of() : labels(series.substring(brace + 1));
      samples.add(new Sample(name, labels, value(line.substring(space + 1))));
    }
    return samples;
  }

  /** The sum of every sample of {@code name}, whatever its labels; 0 if there is none. */
  public static double sum(List<Sample> samples, String name) {
    return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
  }

  /** A sample value: a number, {@code +Inf}, {@code -Inf} or {@code NaN}. */
  public static double value(String text) {
    return switch (text.trim()) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
          yield Double.NaN;
        }
      }
    };
  }

  /** {@code a="x",b="y"}} (the closing brace included); label values here hold no quotes. */
  private static Map<String, String> labels(String text) {
    Map<String, String> labels = new TreeMap<>();
    int at = 0;
    while (true) {
      int eq = text.indexOf("=\"", at);
      if (eq < 0) {
        return labels;
      }
      int end = text.indexOf('"', eq + 2);
      if (end < 0) {
        return labels;
      }
      labels.put(text.substring(at, eq).trim(), text.substring(eq + 2, end));
      at = end + 1;
      if (at < text.length() && text.charAt(at) == ',') {
        at++;
      }
    }
  }
}

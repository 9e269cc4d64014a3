package dev.ringkv.bench.report;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/** The benchmark's PNG charts. */
public final class Charts {

  private Charts() {}

  /**
   * Bars of ops/s per replication factor (left axis), with p99 latency in ms on the right axis.
   *
   * @param rows records with {@code rep()}, {@code opsPerSecond()} and {@code p99Ms()}
   */
  public static void throughput(Path file, List<? extends Record> rows) throws IOException {
    List<String> reps = new ArrayList<>();
    List<Double> opsPerSecond = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    String nodes = "";
    String consistency = "";
    for (Record r : rows) {
      reps.add("rep " + get(r, "rep"));
      opsPerSecond.add((double) Math.round(((Number) get(r, "opsPerSecond")).doubleValue()));
      p99.add(Math.round(((Number) get(r, "p99Ms")).doubleValue() * 10) / 10.0);
      nodes = String.valueOf(get(r, "nodes"));
      consistency = String.valueOf(get(r, "consistency"));
    }
    CategoryChart chart = new CategoryChartBuilder().width(900).height(560)
        .title("ringkv throughput, " + nodes + " nodes, 50/50 read/write, " + consistency)
        .xAxisTitle("replication factor").yAxisTitle("throughput (ops/s)").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setDecimalPattern("#,##0.#");
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMin(1, 0.0);
    chart.setYAxisGroupTitle(1, "p99 latency (ms)");
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    chart.addSeries("throughput (ops/s)", reps, opsPerSecond);
    CategorySeries latency = chart.addSeries("p99 latency (ms)", reps, p99);
    latency.setYAxisGroup(1);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * Keys held per node, one bar per node and replication factor, with each replication factor's
   * max/mean in the title.
   */
  public static void loadBalance(Path file, Map<Integer, ? extends List<? extends Record>> byRep,
      Map<Integer, Double> maxOverMean) throws IOException {
    StringBuilder ratios = new StringBuilder();
    maxOverMean.forEach((rep, ratio) -> ratios.append(String.format(", rep %d max/mean %.3f",
        rep, ratio)));
    List<? extends Record> first = byRep.values().iterator().next();
    CategoryChart chart = new CategoryChartBuilder().width(900).height(560)
        .title(String.format("ringkv load balance: %d nodes%s", first.size(), ratios))
        .xAxisTitle("node id").yAxisTitle("keys held (count)").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setDecimalPattern("#,##0");
    chart.getStyler().setYAxisMin(0.0);
    byRep.forEach((rep, rows) -> {
      List<String> nodes = new ArrayList<>();
      List<Long> keys = new ArrayList<>();
      for (Record r : rows) {
        nodes.add(String.valueOf(get(r, "node")));
        keys.add(((Number) get(r, "keys")).longValue());
      }
      chart.addSeries("rep " + rep, nodes, keys);
    });
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static Object get(Record r, String component) {
    try {
      Method m = r.getClass().getMethod(component);
      m.setAccessible(true);
      return m.invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(r.getClass().getSimpleName() + " has no " + component, e);
    }
  }
}

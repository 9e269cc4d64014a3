package dev.ringkv.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes lists of result records as CSV and JSON (one column or field per record component). */
public final class ResultFiles {

  private ResultFiles() {}

  public static void writeCsv(Path file, List<? extends Record> rows) throws IOException {
    List<String> lines = new ArrayList<>();
    RecordComponent[] columns = rows.get(0).getClass().getRecordComponents();
    List<String> header = new ArrayList<>();
    for (RecordComponent c : columns) {
      header.add(c.getName());
    }
    lines.add(String.join(",", header));
    for (Record row : rows) {
      List<String> cells = new ArrayList<>();
      for (RecordComponent c : columns) {
        cells.add(format(value(row, c)));
      }
      lines.add(String.join(",", cells));
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  public static void writeJson(Path file, List<? extends Record> rows) throws IOException {
    StringBuilder sb = new StringBuilder("[\n");
    for (int i = 0; i < rows.size(); i++) {
      Record row = rows.get(i);
      sb.append("  {");
      RecordComponent[] columns = row.getClass().getRecordComponents();
      for (int c = 0; c < columns.length; c++) {
        Object v = value(row, columns[c]);
        sb.append(c == 0 ? "" : ", ").append('"').append(columns[c].getName()).append("\": ")
            .append(v instanceof Number ? format(v) : "\"" + v + "\"");
      }
      sb.append(i + 1 < rows.size() ? "},\n" : "}\n");
    }
    Files.writeString(file, sb.append("]\n"), StandardCharsets.UTF_8);
  }

  /** The rows as an aligned text table. */
  public static String table(List<? extends Record> rows) {
    RecordComponent[] columns = rows.get(0).getClass().getRecordComponents();
    StringBuilder sb = new StringBuilder();
    for (RecordComponent c : columns) {
      sb.append(String.format(Locale.ROOT, "%14s", c.getName()));
    }
    sb.append('\n');
    for (Record row : rows) {
      for (RecordComponent c : columns) {
        sb.append(String.format(Locale.ROOT, "%14s", format(value(row, c))));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** A text histogram of (label, count) records: one bar per row, scaled to 50 characters. */
  public static String histogram(List<? extends Record> rows) {
    long max = 1;
    for (Record row : rows) {
      max = Math.max(max, ((Number) value(row, row.getClass().getRecordComponents()[1]))
          .longValue());
    }
    StringBuilder sb = new StringBuilder();
    for (Record row : rows) {
      RecordComponent[] c = row.getClass().getRecordComponents();
      long n = ((Number) value(row, c[1])).longValue();
      sb.append(String.format(Locale.ROOT, "%-10s %8d %s%n", value(row, c[0]), n,
          "#".repeat((int) (50 * n / max))));
    }
    return sb.toString();
  }

  private static Object value(Record row, RecordComponent c) {
    try {
      Method accessor = c.getAccessor();
      accessor.setAccessible(true); // result records may be nested in non-public classes
      return accessor.invoke(row);
    } catch (ReflectiveOperationException e) {
      throw new UncheckedIOException(new IOException("cannot read " + c.getName(), e));
    }
  }

  private static String format(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.3f", d);
    }
    return String.valueOf(v);
  }
}

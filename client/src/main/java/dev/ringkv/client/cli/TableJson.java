package dev.ringkv.client.cli;

import com.google.gson.GsonBuilder;
import dev.ringkv.ring.RingTable;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The admin tool's {@code --json} output: the table's identity, then one list. */
final class TableJson {

  private TableJson() {}

  static void print(PrintWriter out, RingTable table, String listName, List<?> list) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("cluster", table.clusterId());
    doc.put("epoch", table.epoch());
    doc.put("replicationFactor", table.replicationFactor());
    doc.put(listName, list);
    out.println(new GsonBuilder().setPrettyPrinting().create().toJson(doc));
  }
}

package dev.ringkv.bench.ycsb;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A YCSB record (field name to bytes) as one ringkv value: count, then (name, bytes) pairs. */
final class FieldCodec {

  private FieldCodec() {}

  static byte[] encode(Map<String, byte[]> fields) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(fields.size());
      for (Map.Entry<String, byte[]> f : fields.entrySet()) {
        byte[] name = f.getKey().getBytes(StandardCharsets.UTF_8);
        out.writeInt(name.length);
        out.write(name);
        out.writeInt(f.getValue().length);
        out.write(f.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Map<String, byte[]> decode(byte[] value) {
    Map<String, byte[]> fields = new LinkedHashMap<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        byte[] name = new byte[in.readInt()];
        in.readFully(name);
        byte[] field = new byte[in.readInt()];
        in.readFully(field);
        fields.put(new String(name, StandardCharsets.UTF_8), field);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a YCSB record: " + e.getMessage(), e);
    }
    return fields;
  }
}

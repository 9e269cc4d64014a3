package dev.ringkv.storage.engine;

import dev.ringkv.version.Version;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The on-disk form of a record: format byte, flags, physical ms, logical counter, node id length
 * and bytes, then the value. Compact and independent of the wire format.
 */
final class RecordCodec {

  private static final byte FORMAT_V1 = 1;
  private static final byte FLAG_TOMBSTONE = 1;
  private static final int MAX_NODE_ID_BYTES = 0xFFFF; // its length is stored in 16 bits

  private RecordCodec() {}

  static byte[] encode(Record record) {
    byte[] node = record.version().nodeId().getBytes(StandardCharsets.UTF_8);
    if (node.length > MAX_NODE_ID_BYTES) {
      throw new IllegalArgumentException("a version's writer id of " + node.length
          + " bytes does not fit the record format (at most " + MAX_NODE_ID_BYTES + ")");
    }
    byte[] value = record.value();
    ByteBuffer buf = ByteBuffer.allocate(1 + 1 + 8 + 4 + 2 + node.length + value.length);
    buf.put(FORMAT_V1)
        .put(record.isTombstone() ? FLAG_TOMBSTONE : 0)
        .putLong(record.version().physicalMs())
        .putInt(record.version().logical())
        .putShort((short) node.length)
        .put(node)
        .put(value);
    return buf.array();
  }

  static Record decode(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    byte format = buf.get();
    if (format != FORMAT_V1) {
      throw new IllegalStateException("unknown record format " + format);
    }
    boolean tombstone = (buf.get() & FLAG_TOMBSTONE) != 0;
    long physical = buf.getLong();
    int logical = buf.getInt();
    byte[] node = new byte[buf.getShort()];
    buf.get(node);
    Version version = new Version(physical, logical, new String(node, StandardCharsets.UTF_8));
    if (tombstone) {
      return Record.tombstone(version);
    }
    byte[] value = new byte[buf.remaining()];
    buf.get(value);
    return Record.value(version, value);
  }
}

package dev.ringkv.manager.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Keeps the table as one file, replaced atomically (write, fsync, rename): a header (magic,
 * length, CRC32C of the body) and the table as protobuf. A file cut short or with a flipped bit
 * fails to load with a sentence naming the file, instead of quietly forgetting a node or moving
 * a token. A file from before the header (bare protobuf) still loads.
 */
public final class FileStateStore implements StateStore {

  private static final byte[] MAGIC = {'R', 'K', 'V', '1'};
  private static final int HEADER_BYTES = MAGIC.length + 4 + 4;

  /** Its name in a manager's data dir. */
  public static final String FILE_NAME = "manager-state.pb";

  private final Path file;

  public FileStateStore(Path dataDir) {
    this.file = dataDir.resolve(FILE_NAME);
  }

  @Override
  public Optional<RingTable> load() throws IOException {
    return Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
  }

  /** The table in {@code file}, its length and checksum verified. */
  public static RingTable read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return TableCodec.fromProto(RingTableProto.parseFrom(body(bytes)));
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new IOException("manager state in " + file + " is corrupt: " + e.getMessage()
          + " (restore it from a backup, or move it away to start a new cluster)", e);
    }
  }

  /** The protobuf body of the file, its length and checksum verified. */
  private static byte[] body(byte[] bytes) {
    if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0,
        MAGIC.length)) {
      return bytes; // written before the header existed
    }
    if (bytes.length < HEADER_BYTES) {
      throw new IllegalArgumentException("the header is cut short");
    }
    ByteBuffer header = ByteBuffer.wrap(bytes, MAGIC.length, 8);
    int length = header.getInt();
    int checksum = header.getInt();
    if (length != bytes.length - HEADER_BYTES) {
      throw new IllegalArgumentException("the header says " + length + " bytes of table, the "
          + "file holds " + (bytes.length - HEADER_BYTES));
    }
    byte[] body = Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length);
    if (crc(body) != checksum) {
      throw new IllegalArgumentException("the checksum does not match the table");
    }
    return body;
  }

  @Override
  public void save(RingTable replacing, RingTable table) throws IOException {
    write(file, table);
  }

  /** Writes {@code table} to {@code file} atomically (write aside, fsync, rename). */
  public static void write(Path file, RingTable table) throws IOException {
    Files.createDirectories(file.getParent());
    byte[] body = TableCodec.toProto(table).toByteArray();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(MAGIC);
      out.write(ByteBuffer.allocate(8).putInt(body.length).putInt(crc(body)).array());
      out.write(body);
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static int crc(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body);
    return (int) crc.getValue();
  }
}

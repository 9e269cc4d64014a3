package dev.ringkv.manager.membership;

import dev.ringkv.proto.RingTableProto;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Keeps the table as one protobuf file, replaced atomically (write, fsync, rename). */
public final class FileStateStore implements StateStore {

  private final Path file;

  public FileStateStore(Path dataDir) {
    this.file = dataDir.resolve("manager-state.pb");
  }

  @Override
  public Optional<RingTable> load() throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(TableCodec.fromProto(RingTableProto.parseFrom(Files.readAllBytes(file))));
    } catch (IllegalArgumentException e) {
      throw new IOException("manager state in " + file + " is corrupt: " + e.getMessage(), e);
    }
  }

  @Override
  public void save(RingTable table) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      TableCodec.toProto(table).writeTo(out);
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}

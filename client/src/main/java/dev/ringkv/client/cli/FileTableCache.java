package dev.ringkv.client.cli;

import dev.ringkv.client.TableCache;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Keeps the last table in a small file, so consecutive CLI runs route with what the previous one
 * learned. An unreadable or corrupt file is treated as no cache; a failed save is ignored.
 */
public final class FileTableCache implements TableCache {

  private final Path file;

  public FileTableCache(Path file) {
    this.file = file;
  }

  /** {@code $XDG_CACHE_HOME/ringkv} or {@code ~/.cache/ringkv}, one file per manager address. */
  public static Path defaultFile(String managerAddress) {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("ringkv").resolve("table-" + managerAddress.replace(':', '_') + ".pb");
  }

  @Override
  public Optional<RingTable> load() {
    try {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      return Optional.of(TableCodec.fromProto(RingTableProto.parseFrom(Files.readAllBytes(file))));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public void store(RingTable table) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      Files.write(tmp, TableCodec.toProto(table).toByteArray());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // A cache that cannot be written only costs the next run a table fetch.
    }
  }
}

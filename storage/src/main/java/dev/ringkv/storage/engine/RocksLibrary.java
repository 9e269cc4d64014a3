package dev.ringkv.storage.engine;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's native library from one copy kept under a fixed name.
 *
 * <p>RocksDB's default loader extracts a fresh 15 MB copy of the library into the JVM's temp
 * directory at every start and deletes it only when the JVM exits cleanly: every {@code kill -9}
 * of a node left one behind, until the disk was full. Here the copy lives next to the jar that
 * carries it ({@code ringkv-storage.jar} -> {@code ringkv-storage.native/}), shared by every node
 * run from that jar, or in the node's own directory where the jar's cannot be written. It is
 * replaced at a start only if it is not the jar's copy byte for byte (so it always matches the
 * jar that runs): checking takes a tenth of the CPU of extracting, which each node of a starting
 * cluster would otherwise pay, on a machine whose cores they all share.
 */
public final class RocksLibrary {

  private static final String PARTIAL = ".partial";
  // A partial copy this old was left by a start killed mid-copy, not one still being written.
  private static final Duration ABANDONED = Duration.ofMinutes(10);

  private RocksLibrary() {}

  /**
   * Where this JVM keeps the library: next to the jar it runs from, if that directory can be
   * written; otherwise {@code ownDir}.
   */
  public static Path directory(Path ownDir) {
    try {
      Path jar = Path.of(RocksLibrary.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      String name = jar.getFileName().toString();
      if (Files.isRegularFile(jar) && name.endsWith(".jar") && Files.isWritable(jar.getParent())) {
        return jar.resolveSibling(name.substring(0, name.length() - ".jar".length()) + ".native");
      }
    } catch (URISyntaxException | RuntimeException notAFile) {
      // Run from classes, not a jar file: the node's own directory it is.
    }
    return ownDir;
  }

  /**
   * Places the library in {@code dir} unless it is there already, and loads it; must run before
   * any other RocksDB class is used in this JVM (those load the library their own way).
   */
  public static void loadFrom(Path dir) {
    String resource = Environment.getJniLibraryFileName("rocksdb");
    // RocksDB.loadLibrary(paths) looks each directory up under this name, not the jar's.
    Path library = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
    URL source = RocksDB.class.getClassLoader().getResource(resource);
    if (source == null) {
      throw new StorageException("RocksDB has no native library for this platform ("
          + resource + " is not in its jar)", null);
    }
    try {
      URLConnection connection = source.openConnection();
      if (!(connection instanceof JarURLConnection jar && isCopyOf(library, jar.getJarEntry()))) {
        try (InputStream in = connection.getInputStream()) {
          place(in, dir, library);
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot place RocksDB's native library in " + dir + ": "
          + e.getMessage(), e);
    }
    RocksDB.loadLibrary(List.of(dir.toString()));
  }

  private static void place(InputStream in, Path dir, Path library) throws IOException {
    Files.createDirectories(dir);
    removePartialCopies(dir);
    // Written aside, then renamed: a crash mid-copy never leaves a truncated library behind
    // the name, and a node still running from the old copy keeps its mapping.
    Path partial = Files.createTempFile(dir, "rocksdbjni", PARTIAL);
    try {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, library, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /** Whether {@code library} holds exactly {@code entry}'s bytes: its size and CRC-32. */
  static boolean isCopyOf(Path library, JarEntry entry) throws IOException {
    if (!Files.isRegularFile(library) || entry.getSize() < 0
        || Files.size(library) != entry.getSize()) {
      return false;
    }
    CRC32 crc = new CRC32();
    try (FileChannel file = FileChannel.open(library)) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      while (file.read(buffer) >= 0) {
        buffer.flip();
        crc.update(buffer);
        buffer.clear();
      }
    }
    return crc.getValue() == entry.getCrc();
  }

  /** What starts killed in the middle of their copy left (others may be copying right now). */
  private static void removePartialCopies(Path dir) throws IOException {
    FileTime abandoned = FileTime.from(Instant.now().minus(ABANDONED));
    try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, "*" + PARTIAL)) {
      for (Path partial : partials) {
        try {
          if (Files.getLastModifiedTime(partial).compareTo(abandoned) < 0) {
            Files.deleteIfExists(partial);
          }
        } catch (NoSuchFileException renamedMeanwhile) {
          // Its copy was finished and renamed by the start that wrote it.
        }
      }
    }
  }
}

package dev.ringkv.storage.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's native library from one copy kept in a directory of the node's own.
 *
 * <p>RocksDB's default loader extracts a fresh 15 MB copy of the library into the JVM's temp
 * directory at every start and deletes it only when the JVM exits cleanly: every {@code kill -9}
 * of a node left one behind, until the disk was full. Here the copy has a fixed name in the
 * node's directory, is replaced at each start (so it always matches the jar that runs) and goes
 * away with the node's data.
 */
public final class RocksLibrary {

  private static final String PARTIAL = ".partial";

  private RocksLibrary() {}

  /**
   * Extracts the library into {@code dir} and loads it; must run before any other RocksDB class
   * is used in this JVM (those load the library their own way).
   */
  public static void loadFrom(Path dir) {
    String resource = Environment.getJniLibraryFileName("rocksdb");
    // RocksDB.loadLibrary(paths) looks each directory up under this name, not the jar's.
    Path library = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
    try (InputStream in = RocksDB.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new StorageException("RocksDB has no native library for this platform ("
            + resource + " is not in its jar)", null);
      }
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
    } catch (IOException e) {
      throw new StorageException("cannot place RocksDB's native library in " + dir + ": "
          + e.getMessage(), e);
    }
    RocksDB.loadLibrary(List.of(dir.toString()));
  }

  /** What a start killed in the middle of its copy left (the directory is this node's alone). */
  private static void removePartialCopies(Path dir) throws IOException {
    try (DirectoryStream<Path> partials = Files.newDirectoryStream(dir, "*" + PARTIAL)) {
      for (Path partial : partials) {
        Files.deleteIfExists(partial);
      }
    }
  }
}

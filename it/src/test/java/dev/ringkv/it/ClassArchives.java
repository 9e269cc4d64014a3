package dev.ringkv.it;

import dev.ringkv.client.KvClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Class data sharing for the JVMs the harness starts. Most of a node's start-up CPU goes into
 * loading and verifying the same few thousand classes (gRPC, Netty, protobuf, RocksDB), and the
 * tests start a few hundred JVMs on two cores. So once per build of the jars, a small recording
 * cluster writes down what its manager and nodes load ({@code -XX:ArchiveClassesAtExit}, written
 * when a JVM exits normally), one archive per jar; every later JVM maps it
 * ({@code -XX:SharedArchiveFile}). Measured for a 7-node start: 4.6 s of CPU instead of 6.2-7.1.
 * An archive older than its jar is recorded again; the JVM itself refuses one that does not match
 * the jar and then runs without it.
 */
final class ClassArchives {

  private static final Path DIR = LocalCluster.ROOT.resolve("it/target/class-archives");
  private static final AtomicInteger RECORDINGS = new AtomicInteger();
  private static volatile boolean recording;
  private static boolean tried;

  private ClassArchives() {}

  /** The JVM flags that map the archive of {@code jar}, record one, or are none. */
  static List<String> flagsFor(Path jar) {
    Path archive = archiveOf(jar);
    if (recording) {
      // One file per JVM: two JVMs must never write the same file.
      return List.of("-XX:ArchiveClassesAtExit=" + archive + ".part" + RECORDINGS.incrementAndGet(),
          "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }
    return isFresh(archive, jar) ? List.of("-XX:SharedArchiveFile=" + archive) : List.of();
  }

  /**
   * Records the archives of {@code jars} if any is missing or older than its jar: starts a
   * 2-node cluster, writes and reads a key, stops it gracefully and keeps one recording per jar.
   * Called by every cluster start; records at most once per test run.
   */
  static synchronized void ensureRecorded(List<Path> jars) {
    if (tried || jars.stream().allMatch(jar -> isFresh(archiveOf(jar), jar))) {
      return;
    }
    tried = true; // once per test run: if recording fails, the JVMs start without archives
    try {
      Files.createDirectories(DIR);
      recording = true;
      try (LocalCluster cluster = LocalCluster.startWithoutArchives(2, 2);
          KvClient kv = cluster.client()) {
        byte[] value = "class archive".getBytes(StandardCharsets.UTF_8);
        kv.put("class-archive", value);
        kv.get("class-archive");
        List<String> ids = Stream.concat(Stream.of("manager"), cluster.storageNodeIds().stream())
            .toList();
        cluster.terminateTogether(ids, Duration.ofSeconds(30));
      } finally {
        recording = false;
      }
      for (Path jar : jars) {
        keepOneRecording(archiveOf(jar));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void keepOneRecording(Path archive) throws IOException {
    String prefix = archive.getFileName() + ".part";
    try (Stream<Path> files = Files.list(DIR)) {
      List<Path> parts = files.filter(f -> f.getFileName().toString().startsWith(prefix))
          .toList();
      boolean kept = false;
      for (Path part : parts) {
        if (!kept && Files.size(part) > 0) {
          Files.move(part, archive, StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
          kept = true;
        } else {
          Files.delete(part);
        }
      }
    }
  }

  private static Path archiveOf(Path jar) {
    return DIR.resolve(jar.getFileName().toString().replaceFirst("\\.jar$", ".jsa"));
  }

  private static boolean isFresh(Path archive, Path jar) {
    try {
      return Files.exists(archive)
          && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0;
    } catch (IOException e) {
      return false;
    }
  }
}

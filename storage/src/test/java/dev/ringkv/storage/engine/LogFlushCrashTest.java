package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.KeyHasher;
import dev.ringkv.version.Version;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write survives {@code kill -9} of its process once {@link StorageEngine#flushWrites} has run
 * after it, and only then: the store logs writes in memory until asked, which is why the node
 * flushes before every message it sends. Runs the store in a child JVM and kills it for real.
 */
class LogFlushCrashTest {

  private static final String WRITTEN = "written";

  @TempDir Path dir;

  @Test
  void aFlushedWriteSurvivesKillDashNineAndOneNotYetFlushedDoesNot() throws Exception {
    Process child = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"),
            WriteThenWait.class.getName(), dir.toString()))
        .redirectErrorStream(true)
        .start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = out.readLine(); // ends at the child's exit too, and the test's own timeout
      } while (line != null && !line.equals(WRITTEN));
      assertThat(line).as("the child wrote and flushed").isEqualTo(WRITTEN);
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    try (RocksStorageEngine reopened =
        RocksStorageEngine.open(dir.resolve("db"), KeyHasher.murmur3())) {
      assertThat(reopened.get("flushed")).as("written, then flushed").isPresent();
      assertThat(reopened.get("after-the-flush"))
          .as("written after the last flush: in the dead process's memory only").isEmpty();
    }
  }

  /** The child: writes a key, flushes, writes another, says so, and waits to be killed. */
  static final class WriteThenWait {
    public static void main(String[] args) throws IOException, InterruptedException {
      Path dir = Path.of(args[0]);
      RocksLibrary.loadFrom(dir.resolve("native"));
      RocksStorageEngine engine = RocksStorageEngine.open(dir.resolve("db"), KeyHasher.murmur3());
      engine.apply("flushed", value(1));
      engine.flushWrites();
      engine.apply("after-the-flush", value(2));
      System.out.println(WRITTEN);
      System.out.flush();
      Thread.sleep(TimeUnit.MINUTES.toMillis(2)); // killed long before
    }

    private static Record value(long ms) {
      return Record.value(new Version(ms, 0, "n1"), "v".getBytes(StandardCharsets.UTF_8));
    }
  }
}

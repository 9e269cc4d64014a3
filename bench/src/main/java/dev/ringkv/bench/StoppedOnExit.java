package dev.ringkv.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Processes the bench started: stopped once, when closed, or from a shutdown hook if the JVM
 * exits first (a failure, Ctrl-C), so that a benchmark never leaves a cluster running.
 */
abstract class StoppedOnExit implements AutoCloseable {

  private final Thread hook = new Thread(this::stopOnce, "bench-stop-on-exit");
  private boolean stopped;

  /** Call once the processes are about to start. */
  final void stopOnExit() {
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Stops the processes and deletes what they left behind; called at most once. */
  abstract void stop();

  @Override
  public final void close() {
    stopOnce();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook is running or has run
    }
  }

  private synchronized void stopOnce() {
    if (!stopped) {
      stopped = true;
      stop();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }
}

package dev.ringkv.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (the Debian package's {@code /usr/bin/chromium}) loading a page and letting
 * its scripts run for a while (Chromium's virtual time: timers fire without waiting, network
 * requests are waited for), then handing back its DOM or a screenshot. Each run is one process
 * with a profile of its own, stopped by pid if it overruns; the profile is deleted.
 */
final class Chromium {

  static final Path BINARY = Path.of("/usr/bin/chromium");

  private final Process process;
  private final Path profile;
  private final Path output;

  private Chromium(Process process, Path profile, Path output) {
    this.process = process;
    this.profile = profile;
    this.output = output;
  }

  /** The DOM of {@code url} once its scripts have had {@code pageMs} of the page's time. */
  static String dom(String url, long pageMs) throws IOException, InterruptedException {
    return start(url, pageMs, List.of("--dump-dom")).await(60_000);
  }

  /** Writes a screenshot of {@code url} to {@code png} after {@code pageMs} of the page's time. */
  static void screenshot(String url, long pageMs, Path png)
      throws IOException, InterruptedException {
    start(url, pageMs, List.of("--screenshot=" + png, "--window-size=1200,820",
        "--hide-scrollbars")).await(60_000);
  }

  private static Chromium start(String url, long pageMs, List<String> what) throws IOException {
    Path profile = Files.createTempDirectory("ringkv-chromium-");
    Path output = profile.resolve("stdout.html");
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless",
        "--no-sandbox", // the tests run as root
        "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile.resolve("profile"),
        "--virtual-time-budget=" + pageMs));
    command.addAll(what);
    command.add(url);
    Process process = new ProcessBuilder(command)
        .redirectOutput(output.toFile())
        .redirectError(profile.resolve("stderr.log").toFile())
        .start();
    return new Chromium(process, profile, output);
  }

  /** Waits for Chromium to finish and returns what it printed (the DOM, for a dump). */
  private String await(long timeoutMs) throws IOException, InterruptedException {
    try {
      if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("Chromium did not finish within " + timeoutMs + " ms");
      }
      return Files.readString(output);
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      for (ProcessHandle child : process.descendants().toList()) {
        child.destroyForcibly();
      }
      try (var files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}

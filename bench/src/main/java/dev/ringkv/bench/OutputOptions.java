package dev.ringkv.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where results go and where the repository (its scripts) is: shared by every benchmark. */
final class OutputOptions {

  @Option(names = "--out", description = "Result directory (default: ${DEFAULT-VALUE}).")
  Path out = Path.of("bench-results");

  @Option(names = "--root", description = "Repository root (default: found from the jar).")
  Path root;

  Path repositoryRoot() {
    return BenchMain.repositoryRoot(root);
  }
}

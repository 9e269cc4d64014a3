package dev.ringkv.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bench/target/bench.jar throughput|loadbalance|compare-etcd [options]} */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "ringkv benchmarks. Each starts real clusters with scripts/start_service.sh "
        + "(one JVM per node, on 127.0.0.1), measures, stops them, and writes CSV, JSON and PNG "
        + "results to --out.",
    subcommands = {ThroughputCommand.class, LoadBalanceCommand.class,
        CompareEtcdCommand.class})
public final class BenchMain {

  /** The repository root: where scripts/ is, found from this jar's location. */
  static Path repositoryRoot(Path override) {
    if (override != null) {
      return override.toAbsolutePath().normalize();
    }
    try {
      Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
        if (Files.isExecutable(dir.resolve("scripts/start_service.sh"))) {
          return dir;
        }
      }
    } catch (URISyntaxException e) {
      // fall through
    }
    throw new CommandLine.ParameterException(new CommandLine(new BenchMain()),
        "cannot find the repository (scripts/start_service.sh) from the jar; give --root DIR");
  }

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new BenchMain());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("bench: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }
}

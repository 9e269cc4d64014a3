package dev.ringkv.client.cli;

import ch.qos.logback.classic.Level;
import dev.ringkv.client.GetResult;
import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvClientBuilder;
import dev.ringkv.client.KvException;
import dev.ringkv.client.PutResult;
import dev.ringkv.client.TableCache;
import dev.ringkv.ring.Consistency;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.TlsFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code client --put KEY --val VALUE | --get KEY | --delete KEY}: one request against a ringkv
 * cluster, printing {@code OK, server3} or {@code key1, value1, server3}.
 */
@Command(name = "client", mixinStandardHelpOptions = true, sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Runs one request against a ringkv cluster and prints the node that coordinated it.",
        "  --put KEY --val VALUE   prints: OK, serverN",
        "  --get KEY               prints: KEY, VALUE, serverN  (a missing key: 'KEY: not "
            + "found' on stderr, exit 1)",
        "  --delete KEY            prints: OK, serverN",
        "The ring table is cached between runs (see --table-cache); when a node does not answer, "
            + "the client fetches a new table and retries on another replica."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success", "1:key not found", "2:bad command line",
        "3:the cluster could not reach enough replicas (retryable)",
        "4:the server rejected the key or value", "5:the deadline passed",
        "6:neither the manager nor any known node answered",
        "7:refused: missing or wrong token, or no permission",
        "8:a server failed"})
public final class KvCli implements Callable<Integer> {

  static final class Operation {
    @Option(names = "--put", paramLabel = "KEY", description = "Store --val under KEY.")
    String put;

    @Option(names = "--get", paramLabel = "KEY", description = "Read KEY.")
    String get;

    @Option(names = "--delete", paramLabel = "KEY", description = "Delete KEY.")
    String delete;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Operation operation;

  @Option(names = "--val", paramLabel = "VALUE", description = "The value to store with --put.")
  String value;

  @Option(names = {"--manager", "--master"}, paramLabel = "HOST:PORT[,...]",
      description = "The manager's address, or every manager's, comma-separated "
          + "(default: ${DEFAULT-VALUE}).")
  String manager = "127.0.0.1:7051";

  @Option(names = "--consistency", paramLabel = "LEVEL",
      description = "ONE, QUORUM or ALL (default: ${DEFAULT-VALUE}).")
  String consistency = "QUORUM";

  @Option(names = "--timeout", paramLabel = "MS",
      description = "Overall deadline, retries included (default: ${DEFAULT-VALUE}).")
  long timeoutMs = 10_000;

  @Option(names = "--attempt-timeout", paramLabel = "MS",
      description = "How long one node may take before the next is tried "
          + "(default: ${DEFAULT-VALUE}).")
  long attemptTimeoutMs = 1_000;

  @Option(names = "--table-cache", paramLabel = "FILE",
      description = "Where the ring table is kept between runs "
          + "(default: ~/.cache/ringkv/table-HOST_PORT.pb).")
  Path tableCache;

  @Option(names = "--no-table-cache", description = "Do not read or write the table cache.")
  boolean noTableCache;

  @Option(names = "--tls", paramLabel = "DIR", description = "Talk TLS to a cluster started with "
      + "--tls DIR, trusting DIR/ca.crt.")
  Path tlsDir;

  @Option(names = "--cacert", paramLabel = "FILE", description = "Talk TLS, trusting this CA "
      + "certificate (PEM).")
  Path caCert;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Send the bearer token in "
      + "FILE (for a cluster started with --token-file).")
  Path tokenFile;

  @Option(names = "--max-value-bytes", paramLabel = "BYTES", description = "Largest value to "
      + "send; a larger one is refused here (exit 4). Give the nodes' --max-value-bytes if "
      + "they were started with one (default: ${DEFAULT-VALUE}, the nodes' default).")
  int maxValueBytes = KvClient.DEFAULT_MAX_VALUE_BYTES;

  @Option(names = {"-v", "--verbose"}, description = "Log routing: the table used, timeouts, "
      + "refreshes and retries.")
  boolean verbose;

  @Spec
  CommandLine.Model.CommandSpec spec;

  private PrintStream out;
  private PrintStream err;

  @Override
  public Integer call() {
    Consistency level;
    try {
      level = Consistency.parse(consistency);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (operation.put != null && value == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--put needs --val VALUE");
    }
    if (operation.put == null && value != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--val goes with --put only");
    }
    if (timeoutMs <= 0 || attemptTimeoutMs <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--timeout and --attempt-timeout must be positive");
    }
    if (verbose) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.ringkv")).setLevel(Level.DEBUG);
    }
    KvClientBuilder builder;
    try {
      builder = KvClient.builder().manager(manager).maxValueBytes(maxValueBytes);
      if (tlsDir != null && caCert != null) {
        throw new IllegalArgumentException("give --tls or --cacert, not both");
      }
      if (tlsDir != null || caCert != null) {
        builder.tls(TlsFiles.trustOnly(caCert != null ? caCert : tlsDir.resolve("ca.crt")));
      }
      if (tokenFile != null) {
        builder.token(BearerToken.readFile(tokenFile));
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    TableCache cache = noTableCache ? TableCache.none()
        : new FileTableCache(tableCache != null ? tableCache : FileTableCache.defaultFile(manager));
    try (KvClient kv = builder.consistency(level)
        .deadline(Duration.ofMillis(timeoutMs))
        .attemptTimeout(Duration.ofMillis(attemptTimeoutMs))
        .tableCache(cache)
        .build()) {
      return run(kv);
    } catch (KvException e) {
      boolean plaintext = tlsDir == null && caCert == null;
      String hint = e.reason() == KvException.Reason.NO_CLUSTER && plaintext
          ? " (if the cluster runs TLS, give --tls DIR)" : "";
      err.println("error: " + e.getMessage() + hint);
      return ExitCode.of(e.reason()).code;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return ExitCode.USAGE.code;
    }
  }

  private int run(KvClient kv) {
    if (operation.put != null) {
      PutResult r = kv.put(operation.put, value);
      out.println("OK, " + r.coordinator());
    } else if (operation.delete != null) {
      PutResult r = kv.delete(operation.delete);
      out.println("OK, " + r.coordinator());
    } else {
      GetResult r = kv.get(operation.get);
      if (!r.found()) {
        err.println(operation.get + ": not found");
        return ExitCode.NOT_FOUND.code;
      }
      out.println(operation.get + ", " + r.value().orElseThrow() + ", " + r.coordinator());
    }
    return ExitCode.OK.code;
  }

  /** Runs the CLI with the given streams and returns its exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    KvCli cli = new KvCli();
    cli.out = out;
    cli.err = err;
    return ExitCode.commandLine(cli, "client", out, err).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }
}

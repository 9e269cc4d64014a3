package dev.ringkv.client.cli;

import dev.ringkv.client.KvException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** The command-line client's exit codes, one per kind of outcome (documented in the README). */
public enum ExitCode {
  OK(0),
  NOT_FOUND(1),
  USAGE(2),
  UNAVAILABLE(3),
  INVALID_ARGUMENT(4),
  DEADLINE_EXCEEDED(5),
  NO_CLUSTER(6),
  UNAUTHENTICATED(7),
  INTERNAL(8);

  public final int code;

  ExitCode(int code) {
    this.code = code;
  }

  /**
   * A command line for {@code command} printing to {@code out} and {@code err}: a bad command
   * line exits {@link #USAGE}, a {@link CliFailure} with its own code and any other failure
   * {@link #INTERNAL}, each with one sentence.
   */
  static CommandLine commandLine(Object command, String name, PrintStream out, PrintStream err) {
    return new CommandLine(command)
        .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
        .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
        .setParameterExceptionHandler((e, a) -> {
          e.getCommandLine().getErr().println("error: " + e.getMessage()
              + " (see '" + name + " --help')");
          return USAGE.code;
        })
        .setExecutionExceptionHandler((e, c, parsed) -> {
          c.getErr().println("error: " + e.getMessage());
          return e instanceof CliFailure f ? f.exit.code : INTERNAL.code;
        });
  }

  static ExitCode of(KvException.Reason reason) {
    return switch (reason) {
      case INVALID_ARGUMENT -> INVALID_ARGUMENT;
      case UNAVAILABLE -> UNAVAILABLE;
      case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
      case NO_CLUSTER -> NO_CLUSTER;
      case UNAUTHENTICATED -> UNAUTHENTICATED;
      case INTERNAL -> INTERNAL;
    };
  }
}

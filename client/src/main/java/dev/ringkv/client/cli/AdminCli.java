package dev.ringkv.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * The operator's tool ({@code scripts/admin}): what the cluster holds and where, and membership
 * changes. Same conventions and exit codes as the client: one sentence on stderr for every
 * failure.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Inspects and changes a ringkv cluster.",
    subcommands = {AdminStatusCommand.class, AdminRingCommand.class,
        AdminDecommissionCommand.class, AdminRemoveNodeCommand.class, AdminRepairCommand.class,
        CommandLine.HelpCommand.class})
public final class AdminCli implements Runnable {

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "give a command: status, ring, decommission, removenode or repair");
  }

  /** The exit code and sentence for a call the cluster refused or did not answer. */
  static int failure(PrintWriter err, String what, StatusRuntimeException e) {
    Status status = e.getStatus();
    String reason = status.getDescription() != null ? status.getDescription()
        : status.getCode().toString();
    err.println("error: " + what + ": " + reason);
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND -> ExitCode.INVALID_ARGUMENT.code;
      case UNAVAILABLE -> ExitCode.NO_CLUSTER.code;
      case DEADLINE_EXCEEDED -> ExitCode.DEADLINE_EXCEEDED.code;
      case UNAUTHENTICATED, PERMISSION_DENIED -> ExitCode.UNAUTHENTICATED.code;
      default -> ExitCode.INTERNAL.code;
    };
  }

  /** Runs the tool with the given streams and returns its exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return ExitCode.commandLine(new AdminCli(), "admin", out, err).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }
}

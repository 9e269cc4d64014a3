package dev.ringkv.client.cli;

import java.io.PrintStream;
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

  /** Runs the tool with the given streams and returns its exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return ExitCode.commandLine(new AdminCli(), "admin", out, err).execute(args);
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }
}

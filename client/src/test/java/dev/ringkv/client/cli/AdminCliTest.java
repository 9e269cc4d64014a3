package dev.ringkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The admin tool's conventions without a cluster: usage errors and an absent manager. */
class AdminCliTest {

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = AdminCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aMissingCommandOrNodeIdIsAUsageErrorInOneSentence() {
    Run none = run();
    assertThat(none.exit()).isEqualTo(ExitCode.USAGE.code);
    assertThat(none.err().strip()).isEqualTo("error: give a command: status, ring, "
        + "decommission, removenode or repair (see 'admin --help')");
    Run noId = run("removenode");
    assertThat(noId.exit()).isEqualTo(ExitCode.USAGE.code);
    assertThat(noId.err()).startsWith("error: Missing required parameter: 'ID'");
    assertThat(run("frobnicate").exit()).isEqualTo(ExitCode.USAGE.code);
  }

  @Test
  void noManagerIsExitSixWithTheAddressItTried() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort(); // closed again: nothing listens there
    }
    Run status = run("status", "--manager", "127.0.0.1:" + port);
    assertThat(status.exit()).isEqualTo(ExitCode.NO_CLUSTER.code);
    assertThat(status.err()).startsWith("error: cannot read the table from the manager at "
        + "127.0.0.1:" + port + ": ");
    Run removal = run("removenode", "server1", "--manager", "127.0.0.1:" + port);
    assertThat(removal.exit()).isEqualTo(ExitCode.NO_CLUSTER.code);
    assertThat(removal.err()).startsWith("error: cannot remove server1: ");
  }

  @Test
  void everyCommandExplainsItselfWithHelp() {
    for (String command : new String[] {"status", "ring", "decommission", "removenode",
        "repair"}) {
      Run help = run(command, "--help");
      assertThat(help.exit()).as(command).isZero();
      assertThat(help.out()).as(command).contains("Usage: admin " + command, "--manager");
    }
  }
}

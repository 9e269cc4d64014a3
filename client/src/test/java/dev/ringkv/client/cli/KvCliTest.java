package dev.ringkv.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Command-line parsing: every bad command line exits 2 with one sentence, before any I/O. */
class KvCliTest {

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = KvCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertUsageError(Run r, String message) {
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip()).isEqualTo("error: " + message + " (see 'client --help')");
  }

  @Test
  void putWithoutValue() {
    assertUsageError(run("--put", "k", "--no-table-cache"), "--put needs --val VALUE");
  }

  @Test
  void valueWithoutPut() {
    assertUsageError(run("--get", "k", "--val", "v", "--no-table-cache"),
        "--val goes with --put only");
  }

  @Test
  void unknownFlag() {
    assertUsageError(run("--get", "k", "--bogus"), "Unknown option: '--bogus'");
  }

  @Test
  void noOperation() {
    Run r = run("--manager", "127.0.0.1:1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required argument");
  }

  @Test
  void twoOperations() {
    Run r = run("--get", "a", "--delete", "b");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("mutually exclusive");
  }

  @Test
  void badConsistencyLevel() {
    assertUsageError(run("--get", "k", "--consistency", "TWO"),
        "unknown consistency level 'TWO' (expected ONE, QUORUM or ALL)");
  }

  @Test
  void badManagerAddress() {
    assertUsageError(run("--get", "k", "--manager", "nohostport"),
        "manager address 'nohostport' is not host:port (a host name or IP address, and a port "
            + "1-65535)");
  }

  @Test
  void emptyKeyIsRejectedBeforeAnyRequest() {
    Run r = run("--put", "", "--val", "v", "--manager", "127.0.0.1:1", "--no-table-cache");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("error: key must not be empty");
  }

  @Test
  void unreachableManagerIsOneSentenceAndExit6() {
    Run r = run("--get", "k", "--manager", "127.0.0.1:1", "--no-table-cache",
        "--attempt-timeout", "500");
    assertThat(r.exit()).isEqualTo(6);
    assertThat(r.err().strip()).startsWith("error: cannot reach the manager at 127.0.0.1:1")
        .endsWith("and no storage node is known (if the cluster runs TLS, give --tls DIR)")
        .doesNotContain("\n");
  }

  @Test
  void helpExplainsTheOutputsAndExitCodes() {
    Run r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("--put", "--get", "--delete", "OK, serverN", "Exit codes",
        "--consistency");
  }
}

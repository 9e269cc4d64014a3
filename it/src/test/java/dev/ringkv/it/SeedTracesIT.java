package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Seed tests 1 and 2: the command-line client against real manager and storage processes. */
@Timeout(180)
class SeedTracesIT {

  @TempDir Path tmp;

  @Test
  void test1SingleServerPutGetOverwrite() {
    try (LocalCluster cluster = LocalCluster.start(1, 1)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      assertThat(cli.put("key1", "value1")).isEqualTo("OK, server1");
      assertThat(cli.get("key1")).isEqualTo("key1, value1, server1");
      assertThat(cli.put("key1", "value2")).isEqualTo("OK, server1");
      assertThat(cli.put("key2", "value3")).isEqualTo("OK, server1");
      assertThat(cli.put("key3", "value4")).isEqualTo("OK, server1");
      assertThat(cli.get("key1")).isEqualTo("key1, value2, server1");
      assertThat(cli.get("key2")).isEqualTo("key2, value3, server1");
      assertThat(cli.get("key3")).isEqualTo("key3, value4, server1");
    }
  }

  @Test
  void test2MultiServerPutGetIsSelfConsistent() {
    try (LocalCluster cluster = LocalCluster.start(5, 3)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      String put1 = coordinatorOf(cli.put("key1", "value1"), "OK, (server[1-5])");
      assertThat(cli.get("key1")).isEqualTo("key1, value1, " + put1);
      assertThat(cli.put("key1", "value2")).isEqualTo("OK, " + put1);
      String put2 = coordinatorOf(cli.put("key2", "value3"), "OK, (server[1-5])");
      String put3 = coordinatorOf(cli.put("key3", "value4"), "OK, (server[1-5])");
      assertThat(cli.get("key1")).isEqualTo("key1, value2, " + put1);
      assertThat(cli.get("key2")).isEqualTo("key2, value3, " + put2);
      assertThat(cli.get("key3")).isEqualTo("key3, value4, " + put3);

      Cli.Result missing = cli.run("--get", "never-written");
      assertThat(missing.exit()).isEqualTo(1);
      assertThat(missing.err().strip()).isEqualTo("never-written: not found");
      assertThat(cli.run("--delete", "key2").exit()).isZero();
      assertThat(cli.run("--get", "key2").exit()).isEqualTo(1);
    }
  }

  private static String coordinatorOf(String line, String pattern) {
    Matcher m = Pattern.compile(pattern).matcher(line);
    assertThat(m.matches()).as("'%s' matches '%s'", line, pattern).isTrue();
    return m.group(1);
  }
}

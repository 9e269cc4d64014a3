package dev.ringkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bench jar as a user runs it, at a tiny size: outputs exist and the counts add up. */
@Timeout(300)
class BenchJarIT {

  private static final Path ROOT =
      Path.of(System.getProperty("ringkv.root", "..")).toAbsolutePath().normalize();

  @TempDir Path out;

  private String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-jar", ROOT.resolve("bench/target/bench.jar").toString()));
    command.addAll(List.of(args));
    Path log = out.resolve("bench.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bench did not finish:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void tinyThroughputRunWritesOneRowPerReplicationFactorAndTheChart() throws Exception {
    String output = run("throughput", "--reps", "1,2", "--nodes", "2", "--ops", "3000",
        "--warmup-ops", "500", "--keys", "300", "--concurrency", "8", "--out", out.toString());
    List<String> csv = Files.readAllLines(out.resolve("throughput.csv"));
    assertThat(csv).hasSize(3);
    assertThat(csv.get(0)).startsWith("nodes,rep,consistency,ops,errors,seconds,opsPerSecond,"
        + "p50Ms,p95Ms,p99Ms,maxMs");
    assertThat(csv.get(1)).startsWith("2,1,QUORUM,3000,0,");
    assertThat(csv.get(2)).startsWith("2,2,QUORUM,3000,0,");
    assertThat(Files.readString(out.resolve("throughput.json"))).contains("\"rep\": 2");
    List<String> nodes = Files.readAllLines(out.resolve("throughput-nodes.csv"));
    assertThat(nodes.get(0)).isEqualTo("rep,node,opsPerSecond,cpuPercent");
    assertThat(nodes).as("each node of each run, from its metrics").hasSize(1 + 2 + 2);
    assertThat(output).contains("busiest/idlest");
    assertPng(out.resolve("throughput.png"));
    assertThat(output).contains("rep 1:", "rep 2:");
  }

  @Test
  void tinyLoadBalanceCountsEveryInsertOnTheNodesThemselves() throws Exception {
    String output = run("loadbalance", "--nodes", "4", "--reps", "1,3", "--inserts", "3000",
        "--out", out.toString());
    List<String> csv = Files.readAllLines(out.resolve("loadbalance.csv"));
    assertThat(csv.get(0)).isEqualTo("rep,node,keys");
    assertThat(csv.subList(1, csv.size())).hasSize(8);
    for (int rep : new int[] {1, 3}) {
      long total = csv.subList(1, csv.size()).stream().map(line -> line.split(","))
          .filter(f -> f[0].equals(Integer.toString(rep))).mapToLong(f -> Long.parseLong(f[2]))
          .sum();
      assertThat(total).as("copies the nodes report at rep %d", rep).isEqualTo(3000L * rep);
    }
    assertPng(out.resolve("loadbalance.png"));
    assertThat(output).contains("rep 1: total", "rep 3: total", "max/mean");
  }

  private static void assertPng(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes.length).isGreaterThan(1000);
    assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
  }
}

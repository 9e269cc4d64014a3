package dev.ringkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
    Result result = runAllowingFailure(args);
    assertThat(result.exitCode()).as(result.output()).isZero();
    return result.output();
  }

  private record Result(int exitCode, String output) {}

  /** Runs the jar with its temp files in {@code out/tmp}, so a test can see what it left. */
  private Result runAllowingFailure(String... args) throws IOException, InterruptedException {
    Files.createDirectories(out.resolve("tmp"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Djava.io.tmpdir=" + out.resolve("tmp"),
        "-jar", ROOT.resolve("bench/target/bench.jar").toString()));
    command.addAll(List.of(args));
    Path log = out.resolve("bench.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bench did not finish:\n" + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  @Test
  void tinyThroughputRunWritesOneRowPerReplicationFactorAndTheChart() throws Exception {
    String output = run("throughput", "--reps", "1,2", "--nodes", "2", "--ops", "3000",
        "--warmup-ops", "500", "--warmup-seconds", "0", "--warmup-max-seconds", "0",
        "--keys", "300", "--concurrency", "8", "--out", out.toString());
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

  @Test
  void tinyEtcdComparisonRunsTheSameLoadOnBothStoresAndStopsEtcd() throws Exception {
    String output = run("compare-etcd", "--nodes", "1", "--ops", "2000", "--warmup-ops", "200",
        "--warmup-seconds", "0", "--warmup-max-seconds", "0", "--keys", "200",
        "--concurrency", "8", "--out", out.toString());
    List<String> csv = Files.readAllLines(out.resolve("compare-etcd.csv"));
    assertThat(csv).hasSize(3);
    assertThat(csv.get(0)).startsWith("store,nodes,ops,errors,seconds,opsPerSecond,");
    assertThat(csv.get(1)).startsWith("ringkv,1,2000,0,");
    assertThat(csv.get(2)).startsWith("etcd,1,2000,0,");
    assertThat(output).containsPattern("ringkv / etcd: [0-9.]+x the ops/s");
    try (Stream<Path> left = Files.list(out.resolve("tmp"))) {
      assertThat(left).as("the run dirs, etcd's data included, are deleted").isEmpty();
    }
    assertThat(processesMentioning(out.resolve("tmp").toString()))
        .as("etcd members still running").isEmpty();
  }

  @Test
  void anEtcdComparisonWithoutEtcdIsRefusedInOneSentenceBeforeStartingAnything()
      throws Exception {
    Result result = runAllowingFailure("compare-etcd", "--etcd", out.resolve("no-etcd")
        .toString(), "--out", out.toString());
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output().strip())
        .isEqualTo("bench: --etcd " + out.resolve("no-etcd") + " is not an executable file");
    try (Stream<Path> left = Files.list(out.resolve("tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  /** Processes whose command line contains {@code text}, from /proc. */
  private static List<String> processesMentioning(String text) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")),
              java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
          if (cmdline.contains(text)) {
            found.add(proc.getFileName() + ": " + cmdline);
          }
        } catch (IOException gone) {
          // the process ended while we looked
        }
      }
    }
    return found;
  }

  private static void assertPng(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes.length).isGreaterThan(1000);
    assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
  }
}

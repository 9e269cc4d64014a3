package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The scripts a user runs, end to end: start, client, kill -9, restart, status, stop. */
@Timeout(300)
class ScriptsIT {

  private static final Path SCRIPTS = LocalCluster.ROOT.resolve("scripts");
  private static final List<Path> CLASS_ARCHIVES = List.of(
      LocalCluster.ROOT.resolve("manager/target/ringkv-manager.jsa"),
      LocalCluster.ROOT.resolve("storage/target/ringkv-storage.jsa"));

  @TempDir Path tmp;
  private Path runDir;

  private record Result(int exit, String out, String err) {}

  private Result run(String script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(SCRIPTS.resolve(script).toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(tmp.resolve("out.txt").toFile())
        .redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
    Process p = pb.start();
    if (!p.waitFor(150, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(script + " did not finish in 150 s");
    }
    return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt")),
        Files.readString(tmp.resolve("err.txt")));
  }

  @AfterEach
  void stopEverything() throws IOException, InterruptedException {
    if (runDir != null) {
      run("stop_service.sh", "--run-dir", runDir.toString());
    }
  }

  /**
   * Also: the first start after a build records the jars' class archives when the cluster stops,
   * and the next start maps them (so the archives of earlier runs are removed first).
   */
  @Test
  void aUserSessionFromStartToStop() throws Exception {
    for (Path archive : CLASS_ARCHIVES) {
      Files.deleteIfExists(archive);
    }
    runDir = tmp.resolve("run");
    int port = freePortRange(4);
    String manager = "127.0.0.1:" + port;

    Result started = run("start_service.sh", "--nodes", "3", "--rep", "2",
        "--run-dir", runDir.toString(), "--port", Integer.toString(port));
    assertThat(started.exit()).as(started.err()).isZero();
    assertThat(started.out())
        .contains("nodes up 3/3", "ringkv is up", "dashboard: http://127.0.0.1:");
    List<Long> pids = pids();
    assertThat(pids).hasSize(4);

    Result put = run("client", "--manager", manager, "--put", "key1", "--val", "value1");
    assertThat(put.out().strip()).matches("OK, server[1-3]");
    String coordinator = put.out().strip().substring(4);
    Result get = run("client", "--manager", manager, "--get", "key1");
    // Usually the put's coordinator again; another replica when the first was slow enough on a
    // loaded machine for the client to send the read there too (its hedge answered first).
    assertThat(get.out().strip()).matches("key1, value1, server[1-3]");

    Result again = run("start_service.sh", "--nodes", "3", "--rep", "2",
        "--run-dir", runDir.toString(), "--port", Integer.toString(port));
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("a cluster is already running in");

    long victimPid = Long.parseLong(Files.readString(runDir.resolve("pids/" + coordinator + ".pid")).trim());
    Result killed = run("kill_node.sh", coordinator, "--run-dir", runDir.toString());
    assertThat(killed.out().strip()).isEqualTo("killed " + coordinator + " (pid " + victimPid + ")");
    Poll.untilTrue(java.time.Duration.ofSeconds(10), "pid " + victimPid + " to exit",
        () -> ProcessHandle.of(victimPid).map(h -> !h.isAlive()).orElse(true));

    Result afterKill = run("client", "--manager", manager, "--get", "key1");
    assertThat(afterKill.exit()).as(afterKill.err()).isZero();
    assertThat(afterKill.out().strip()).startsWith("key1, value1, server")
        .doesNotEndWith(coordinator);

    Result restarted = run("restart_node.sh", coordinator, "--run-dir", runDir.toString());
    assertThat(restarted.exit()).as(restarted.err()).isZero();
    assertThat(restarted.out()).contains(coordinator + " is up");

    Result status = run("status.sh", "--run-dir", runDir.toString());
    assertThat(status.out()).contains("nodes up 3/3");

    Result unknown = run("kill_node.sh", "server9", "--run-dir", runDir.toString());
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("no node 'server9' in this cluster");

    List<Long> running = pids();
    Result stopped = run("stop_service.sh", "--run-dir", runDir.toString());
    assertThat(stopped.out()).as(stopped.err()).contains("stopped 4 processes");
    for (long pid : running) {
      assertThat(hasExited(pid)).as("pid %d after stop", pid).isTrue();
    }

    for (Path archive : CLASS_ARCHIVES) {
      assertThat(archive).as("class archive recorded at the stop").isNotEmptyFile();
    }
    Result back = run("start_service.sh", "--nodes", "3", "--rep", "2",
        "--run-dir", runDir.toString(), "--port", Integer.toString(port));
    assertThat(back.exit()).as(back.err()).isZero();
    assertThat(run("client", "--manager", manager, "--get", "key1").out())
        .startsWith("key1, value1, server");
    for (String id : List.of("manager", "server1", "server2", "server3")) {
      long pid = Long.parseLong(Files.readString(runDir.resolve("pids/" + id + ".pid")).trim());
      String jar = id.equals("manager") ? "manager" : "storage";
      assertThat(Files.readString(Path.of("/proc/" + pid + "/maps")))
          .as("%s's memory maps", id).contains("ringkv-" + jar + ".jsa");
    }
  }

  /** scripts/admin as an operator runs it: status, add, decommission, kill -9 and replace. */
  @Test
  void theAdminScriptAddsDecommissionsAndReplacesNodes() throws Exception {
    runDir = tmp.resolve("ops");
    int port = freePortRange(6);
    String dir = runDir.toString();
    Result started = run("start_service.sh", "--nodes", "3", "--rep", "2", "--run-dir", dir,
        "--port", Integer.toString(port), "--metrics-port", "-1");
    assertThat(started.exit()).as(started.err()).isZero();

    Result json = run("admin", "status", "--json", "--run-dir", dir);
    assertThat(json.exit()).as(json.err()).isZero();
    JsonObject status = JsonParser.parseString(json.out()).getAsJsonObject();
    assertThat(status.get("replicationFactor").getAsInt()).isEqualTo(2);
    double owned = 0;
    for (JsonElement node : status.getAsJsonArray("nodes")) {
      owned += node.getAsJsonObject().get("ownershipPercent").getAsDouble();
    }
    assertThat(owned).as("effective ownership adds up to 2 x 100%").isCloseTo(200, within(0.5));

    Result added = run("admin", "add", "--run-dir", dir);
    assertThat(added.exit()).as(added.err()).isZero();
    assertThat(added.out()).contains("server4 has joined and caught up");

    long server1 = Long.parseLong(Files.readString(runDir.resolve("pids/server1.pid")).trim());
    Result decommissioned = run("admin", "decommission", "server1", "--run-dir", dir);
    assertThat(decommissioned.exit()).as(decommissioned.err()).isZero();
    assertThat(decommissioned.out()).contains("server1 has left the ring");
    Poll.untilTrue(java.time.Duration.ofSeconds(30), "server1 to exit by itself",
        () -> ProcessHandle.of(server1).map(h -> !h.isAlive()).orElse(true));

    run("kill_node.sh", "server2", "--run-dir", dir);
    Poll.untilTrue(java.time.Duration.ofSeconds(15), "server2 DOWN", () -> {
      try {
        return run("admin", "status", "--run-dir", dir).out().matches("(?s).*server2 +DOWN .*");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    Result replaced = run("admin", "replace", "server2", "--run-dir", dir);
    assertThat(replaced.exit()).as(replaced.err()).isZero();
    assertThat(replaced.out()).contains("server5 has joined and caught up");

    Result after = run("admin", "status", "--run-dir", dir);
    assertThat(after.out()).contains("nodes up 3/3", "server3 ", "server4 ", "server5 ")
        .doesNotContain("server1 ", "server2 ");
    assertThat(Files.readAllLines(runDir.resolve("removed")))
        .containsExactly("server1", "server2");
    Result refused = run("admin", "removenode", "server3", "--run-dir", dir);
    assertThat(refused.exit()).isEqualTo(4);
    assertThat(refused.err()).contains("server3 is UP: decommission it instead");
  }

  @Test
  void startRefusesMoreReplicasThanNodesAndUnknownFlags() throws Exception {
    Result tooMany = run("start_service.sh", "--nodes", "2", "--rep", "3",
        "--run-dir", tmp.resolve("never").toString());
    assertThat(tooMany.exit()).isEqualTo(2);
    assertThat(tooMany.err().strip()).isEqualTo("error: replication factor 3 exceeds the 2 nodes");
    Result bogus = run("start_service.sh", "--nodes", "2", "--bogus");
    assertThat(bogus.exit()).isEqualTo(2);
    assertThat(bogus.err().strip()).isEqualTo("error: unknown option '--bogus' (see --help)");
    assertThat(tmp.resolve("never/pids")).doesNotExist();
  }

  private List<Long> pids() throws IOException {
    try (Stream<Path> files = Files.list(runDir.resolve("pids"))) {
      List<Long> pids = new ArrayList<>();
      for (Path f : files.toList()) {
        pids.add(Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).trim()));
      }
      return pids;
    }
  }

  /**
   * A base port whose next {@code count} ports are all free right now, as are the manager's Raft
   * port (10000 above) and the default metrics ports (1000 above), all below the ephemeral range.
   */
  private static int freePortRange(int count) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 22_700);
      if (allFree(base, count) && allFree(base + 1_000, count) && allFree(base + 10_000, 1)) {
        return base;
      }
    }
    throw new IOException("no free range of " + count + " ports found");
  }

  private static boolean allFree(int base, int count) {
    return IntStream.range(base, base + count).allMatch(LocalCluster::isFree);
  }

  /**
   * Whether a process has exited: gone, or a zombie its parent has not reaped yet (these
   * processes' parent is init, not the script) with no thread left. {@code ProcessHandle.isAlive}
   * counts a zombie as alive; but a JVM whose main thread has ended is a zombie leader while its
   * other threads still run (as lib.sh's is_running knows), so a zombie counts only once
   * {@code /proc/PID/task} lists its leader alone.
   */
  private static boolean hasExited(long pid) {
    Path process = Path.of("/proc", Long.toString(pid));
    try (Stream<Path> tasks = Files.list(process.resolve("task"))) {
      String stat = Files.readString(process.resolve("stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z' && tasks.count() <= 1;
    } catch (IOException gone) {
      return true;
    }
  }
}

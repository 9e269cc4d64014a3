package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.KvClient;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers started by {@code start_service.sh --managers 3} keep the cluster's membership
 * through the leader's {@code kill -9}, a storage node killed during the election, the old
 * leader's return, the loss of two managers of three and a restart of all of them; the fault
 * tests' workload runs throughout and must lose nothing, read nothing stale and see no request
 * fail, and its client's epochs never go back.
 */
@Timeout(300)
class ManagersIT {

  private static final Path SCRIPTS = LocalCluster.ROOT.resolve("scripts");
  private static final Duration FAILURE_TIMEOUT = Duration.ofSeconds(2);

  @TempDir Path tmp;
  private Path runDir;
  private final Map<String, ManagedChannel> channels = new TreeMap<>();

  @AfterEach
  void stopEverything() throws Exception {
    channels.values().forEach(ManagedChannel::shutdownNow);
    if (runDir != null) {
      script("stop_service.sh", "--run-dir", runDir.toString());
    }
  }

  @Test
  void theManagersKeepTheClusterThroughLeaderKillsAndALostMajority() throws Exception {
    long seed = System.nanoTime();
    System.out.println("managers seed " + seed);
    int port = freeRange();
    runDir = tmp.resolve("run");
    script("start_service.sh", "--nodes", "4", "--rep", "3", "--managers", "3",
        "--port", Integer.toString(port), "--metrics-port", "-1",
        "--failure-timeout-ms", Long.toString(FAILURE_TIMEOUT.toMillis()),
        "--run-dir", runDir.toString());
    Map<String, String> managers = new TreeMap<>();
    for (int k = 1; k <= 3; k++) {
      managers.put("manager" + k, "127.0.0.1:" + (port - k + 1));
    }
    Supplier<KvClient> clients =
        () -> KvClient.builder().manager(String.join(",", managers.values())).build();
    RingTable before;
    try (Workload workload = new Workload(clients, new Random(seed));
        EpochWatch epochs = new EpochWatch(clients.get())) {
      // The leader dies; a storage node dies during the election.
      String leader = leader(managers);
      long epochBefore = anyTable(managers).epoch();
      long killedAt = System.nanoTime();
      script("kill_node.sh", "--run-dir", runDir.toString(), leader);
      script("kill_node.sh", "--run-dir", runDir.toString(), "server4");
      Map<String, String> survivors = new TreeMap<>(managers);
      survivors.remove(leader);
      String next = Poll.until(Duration.ofSeconds(10), "a new leader that published", () -> {
        Optional<String> l = leaderAmong(survivors);
        return l.isPresent() && table(survivors.get(l.get())).epoch() > epochBefore
            ? l.get() : null;
      });
      System.out.printf("new leader %s serves the table %d ms after %s's kill -9%n", next,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), leader);
      awaitState(managers, "server4", NodeState.DOWN);

      // The old leader comes back and catches up.
      script("restart_node.sh", "--run-dir", runDir.toString(), leader);
      Poll.untilTrue(Duration.ofSeconds(20), leader + " to catch up", () ->
          epochOf(managers.get(leader)) == table(managers.get(next)).epoch());

      // Two of three gone: the data path serves, membership waits.
      String keep = managers.keySet().stream().filter(id -> !id.equals(next)).findFirst()
          .orElseThrow();
      String other = managers.keySet().stream()
          .filter(id -> !id.equals(next) && !id.equals(keep)).findFirst().orElseThrow();
      script("kill_node.sh", "--run-dir", runDir.toString(), next, other);
      script("kill_node.sh", "--run-dir", runDir.toString(), "server3");
      long heldAt = System.nanoTime();
      while (System.nanoTime() - heldAt < FAILURE_TIMEOUT.multipliedBy(2).toNanos()) {
        assertThat(table(managers.get(keep)).node("server3").orElseThrow().state())
            .as("server3 with no majority of managers up").isEqualTo(NodeState.UP);
        Thread.sleep(100); // watching that nothing changes, for two failure timeouts
      }
      script("restart_node.sh", "--run-dir", runDir.toString(), other);
      awaitState(managers, "server3", NodeState.DOWN);
      script("restart_node.sh", "--run-dir", runDir.toString(), next);
      script("restart_node.sh", "--run-dir", runDir.toString(), "server3");
      script("restart_node.sh", "--run-dir", runDir.toString(), "server4");
      workload.stop();
      History.Verdict verdict = workload.check(clients, seed);
      assertThat(verdict.failed()).as("failed requests, seed %d", seed).isZero();
      assertThat(verdict.lost()).as("lost writes, seed %d", seed).isEmpty();
      assertThat(verdict.stale()).as("stale reads, seed %d", seed).isEmpty();
      assertThat(verdict.neverWritten()).as("values never written, seed %d", seed).isEmpty();
      assertThat(epochs.decreases()).as("times the client's epoch went back").isZero();
      before = anyTable(managers);
    }

    // Every manager restarted: the same cluster, nodes, tokens and states.
    script("kill_node.sh", "--run-dir", runDir.toString(), "manager1", "manager2", "manager3");
    for (String id : managers.keySet()) {
      script("restart_node.sh", "--run-dir", runDir.toString(), id);
    }
    RingTable after = Poll.until(Duration.ofSeconds(20), "a table after the restart", () ->
        leaderAmong(managers).map(l -> table(managers.get(l)))
            .filter(t -> t.epoch() > before.epoch()).orElse(null));
    assertThat(after.clusterId()).isEqualTo(before.clusterId());
    assertThat(after.nodes()).isEqualTo(before.nodes());
  }

  private void awaitState(Map<String, String> managers, String node, NodeState state) {
    Poll.untilTrue(Duration.ofSeconds(20), node + " " + state, () -> leaderAmong(managers)
        .map(l -> table(managers.get(l)).node(node).map(Node::state).orElse(null) == state)
        .orElse(false));
  }

  /** The manager the others follow, once one leads. */
  private String leader(Map<String, String> managers) {
    return Poll.until(Duration.ofSeconds(20), "a leader", () -> leaderAmong(managers)
        .orElse(null));
  }

  /** The manager that says it leads, if one answering does. */
  private Optional<String> leaderAmong(Map<String, String> managers) {
    for (Map.Entry<String, String> m : managers.entrySet()) {
      try {
        TableReply reply = ask(m.getValue());
        if (reply.getManager().getLeaderId().equals(m.getKey())) {
          return Optional.of(m.getKey());
        }
      } catch (StatusRuntimeException down) {
        // not answering: ask the next
      }
    }
    return Optional.empty();
  }

  private RingTable anyTable(Map<String, String> managers) {
    return table(managers.get(leader(managers)));
  }

  private RingTable table(String address) {
    return TableCodec.fromProto(ask(address).getTable());
  }

  private long epochOf(String address) {
    try {
      return table(address).epoch();
    } catch (StatusRuntimeException down) {
      return -1;
    }
  }

  private TableReply ask(String address) {
    ManagedChannel channel = channels.computeIfAbsent(address,
        a -> Grpc.newChannelBuilder(a, InsecureChannelCredentials.create()).build());
    return ManagerGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
        .getTable(GetTableRequest.getDefaultInstance());
  }

  /** A port P with P-2..P+4 and their Raft ports (+10000) free, below the ephemeral range. */
  private static int freeRange() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = 20_010 + ThreadLocalRandom.current().nextInt(2_000);
      List<Integer> wanted = new ArrayList<>();
      for (int p = port - 2; p <= port + 4; p++) {
        wanted.add(p);
        wanted.add(p + 10_000);
      }
      if (wanted.stream().allMatch(ManagersIT::isFree)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port range for three managers and four nodes");
  }

  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private void script(String name, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SCRIPTS.resolve(name).toString()));
    command.addAll(List.of(args));
    Path out = tmp.resolve(name + ".out");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(150, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish in 150 s");
    }
    String text = Files.readString(out);
    System.out.print(text);
    assertThat(p.exitValue()).as(name + " " + String.join(" ", args) + ":\n" + text).isZero();
  }
}

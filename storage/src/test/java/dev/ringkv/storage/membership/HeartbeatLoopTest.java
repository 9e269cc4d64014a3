package dev.ringkv.storage.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.MemoryStorageEngine;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.TombstoneGrace;
import dev.ringkv.version.Version;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HeartbeatLoopTest {

  /** Events written down as "heard" and "left". */
  private static HeartbeatLoop.Events events(List<String> seen) {
    return new HeartbeatLoop.Events() {
      @Override
      public void beating() {}

      @Override
      public Duration maxDown() {
        return Duration.ofSeconds(1);
      }

      @Override
      public boolean awayTooLong(Duration downFor) {
        seen.add("away " + downFor.toMillis());
        return false;
      }

      @Override
      public void heard() {
        seen.add("heard");
      }

      @Override
      public void left() {
        seen.add("left");
      }
    };
  }

  /** A manager that is away until told otherwise, counting what the node asks of it. */
  private static final class AwayManager implements ManagerClient {
    boolean reachable;
    int reconnects;
    int beats;

    @Override
    public RingTable register(String nodeId, String address, String replaces, Duration maxDown) {
      if (!reachable) {
        throw new IllegalStateException("UNAVAILABLE: connection refused");
      }
      return RingTable.of("c", 1, 1, List.of(new Node(nodeId, address, NodeState.UP, List.of(1L))));
    }

    @Override
    public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch,
        Duration maxDown) {
      if (!reachable) {
        throw new IllegalStateException("UNAVAILABLE: connection refused");
      }
      beats++;
      return Optional.empty();
    }

    @Override
    public void reconnectNow() {
      reconnects++;
    }
  }

  @Test
  void aLeavingNodeTheManagerNoLongerKnowsLeavesInsteadOfJoiningAgain() {
    List<String> calls = new ArrayList<>();
    ManagerClient forgetful = new ManagerClient() {
      @Override
      public RingTable register(String nodeId, String address, String replaces,
          Duration maxDown) {
        calls.add("register");
        return RingTable.of("c", 3, 1, List.of(new Node(nodeId, address, NodeState.UP,
            List.of(1L))));
      }

      @Override
      public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch,
          Duration maxDown) {
        calls.add("heartbeat");
        throw new NotRegisteredException(nodeId + " is not a member");
      }

      @Override
      public void reconnectNow() {}
    };
    TableHolder tables = new TableHolder(RingTable.empty("unjoined", 1));
    List<String> left = new ArrayList<>();
    HeartbeatLoop loop = new HeartbeatLoop("n1", "127.0.0.1:1", null, forgetful, tables,
        events(left));
    loop.run(); // registers
    tables.offer(RingTable.of("c", 4, 1, List.of(
        new Node("n1", "127.0.0.1:1", NodeState.LEAVING, List.of(1L)),
        new Node("n2", "127.0.0.1:2", NodeState.UP, List.of(2L)))));
    loop.run(); // removed meanwhile: the manager no longer knows it
    loop.run();

    assertThat(left).containsExactly("heard", "left");
    assertThat(calls).containsExactly("register", "heartbeat");
  }

  @Test
  void everyFailedBeatReconnectsAtOnceSoARestartedManagerHearsFromTheNodeWithinOneBeat() {
    AwayManager manager = new AwayManager();
    TableHolder tables = new TableHolder(RingTable.empty("unjoined", 1));
    HeartbeatLoop loop = new HeartbeatLoop("n1", "127.0.0.1:1", null, manager, tables, events(new ArrayList<>()));
    manager.reachable = true;
    loop.run();
    assertThat(tables.get().epoch()).isEqualTo(1);

    manager.reachable = false; // the manager restarts
    loop.run();
    loop.run();
    assertThat(manager.reconnects).as("no backoff grown while it was away").isEqualTo(2);

    manager.reachable = true;
    loop.run();
    assertThat(manager.beats).isEqualTo(1);
  }

  /**
   * A manager that refuses to take its node back while the node asks with a limit, as one that
   * marked it DOWN long ago does, writing down each limit it was asked with.
   */
  private static final class RefusingManager implements ManagerClient {
    final List<String> asked = new ArrayList<>();
    boolean registered;

    @Override
    public RingTable register(String nodeId, String address, String replaces, Duration maxDown) {
      asked.add("register " + maxDown.toMillis());
      refuseUnless(maxDown);
      return RingTable.of("c", 2, 1, List.of(new Node(nodeId, address, NodeState.UP,
          List.of(1L))));
    }

    @Override
    public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch,
        Duration maxDown) {
      asked.add("heartbeat " + maxDown.toMillis());
      refuseUnless(maxDown);
      return Optional.empty();
    }

    private void refuseUnless(Duration maxDown) {
      if (!registered && !maxDown.equals(ManagerClient.NO_LIMIT)) {
        throw new AwayTooLongException("node n1 was DOWN for 9000 ms", Duration.ofSeconds(9));
      }
    }

    @Override
    public void reconnectNow() {}
  }

  private static AbsenceGuard guard(MemoryStorageEngine engine, CompletableFuture<Integer> exit) {
    TombstoneGrace grace = new TombstoneGrace(Duration.ofSeconds(10), () -> 0L);
    return new AbsenceGuard(grace, new PauseWatch(grace), engine, exit);
  }

  @Test
  void aNodeRefusedOnceItHadJoinedStopsWithExitOneAndAsksNoMore() {
    RefusingManager manager = new RefusingManager();
    manager.registered = true;
    MemoryStorageEngine engine = new MemoryStorageEngine();
    engine.apply("kept", Record.value(new Version(1, 0, "n1"), "v".getBytes()));
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    HeartbeatLoop loop = new HeartbeatLoop("n1", "127.0.0.1:1", null, manager,
        new TableHolder(RingTable.empty("unjoined", 1)),
        guard(engine, exit));
    loop.run(); // joins
    manager.registered = false; // the manager marked it DOWN long ago (it was paused)
    loop.run();
    loop.run();

    assertThat(manager.asked).as("each asked with half the grace, none after the refusal")
        .containsExactly("register 5000", "heartbeat 5000");
    assertThat(exit).isCompletedWithValue(1);
    assertThat(engine.get("kept")).as("what it holds is deleted when it starts again").isPresent();
  }

  @Test
  void aNodeRefusedAtStartDeletesWhatItHoldsAndJoinsWithNoLimit() {
    RefusingManager manager = new RefusingManager();
    MemoryStorageEngine engine = new MemoryStorageEngine();
    engine.apply("stale", Record.value(new Version(1, 0, "n1"), "v".getBytes()));
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    TableHolder tables = new TableHolder(RingTable.empty("unjoined", 1));
    HeartbeatLoop loop = new HeartbeatLoop("n1", "127.0.0.1:1", null, manager, tables,
        guard(engine, exit));
    loop.run();
    assertThat(engine.get("stale")).as("deleted before it joins").isEmpty();
    assertThat(tables.get().epoch()).as("not joined yet").isEqualTo(0);

    loop.run();
    loop.run();
    assertThat(manager.asked).containsExactly("register 5000", "register 0", "heartbeat 0");
    assertThat(tables.get().epoch()).isEqualTo(2);
    assertThat(exit).isNotDone();
  }
}

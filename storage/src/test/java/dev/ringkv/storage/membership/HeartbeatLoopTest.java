package dev.ringkv.storage.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeartbeatLoopTest {

  /** Events written down as "heard" and "left". */
  private static HeartbeatLoop.Events events(List<String> seen) {
    return new HeartbeatLoop.Events() {
      @Override
      public boolean mayTakePart() {
        return true;
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
    public RingTable register(String nodeId, String address, String replaces) {
      if (!reachable) {
        throw new IllegalStateException("UNAVAILABLE: connection refused");
      }
      return RingTable.of("c", 1, 1, List.of(new Node(nodeId, address, NodeState.UP, List.of(1L))));
    }

    @Override
    public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch) {
      if (!reachable) {
        throw new IllegalStateException("UNAVAILABLE: connection refused");
      }
      beats++;
      return Optional.empty();
    }

    @Override
    public RingTable table() {
      throw new UnsupportedOperationException();
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
      public RingTable register(String nodeId, String address, String replaces) {
        calls.add("register");
        return RingTable.of("c", 3, 1, List.of(new Node(nodeId, address, NodeState.UP,
            List.of(1L))));
      }

      @Override
      public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch) {
        calls.add("heartbeat");
        throw new NotRegisteredException(nodeId + " is not a member");
      }

      @Override
      public RingTable table() {
        throw new UnsupportedOperationException();
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
}

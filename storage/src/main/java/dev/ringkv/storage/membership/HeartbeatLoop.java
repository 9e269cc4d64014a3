package dev.ringkv.storage.membership;

import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One beat of the node's membership: registers until the manager accepts it, then heartbeats,
 * adopting any newer table the reply carries. Scheduled at a fixed rate by its owner. A manager
 * outage is logged once when it starts and once when it ends; the node keeps its last table.
 * A node the manager no longer knows registers again, unless it was LEAVING: then it has been
 * decommissioned, and the node is told it has left (it stops). Every call says how long the node
 * may have been DOWN and still be taken back; a node the manager refuses for that is told so,
 * and beats no more unless it may ask again.
 */
public final class HeartbeatLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(HeartbeatLoop.class);

  private final String nodeId;
  private final String address;
  private final ManagerClient manager;
  private final TableHolder tables;
  private final String replaces;
  private final Events events;
  private boolean registered;
  private boolean done;
  private boolean managerReachable = true;

  /** What the loop asks and tells its node. */
  public interface Events {
    /** A beat begins. */
    void beating();

    /** How long the node may have been DOWN and still be taken back with what it holds. */
    Duration maxDown();

    /** The manager took the node in: registered it, or heard its beat. */
    void heard();

    /**
     * The manager refused to take the node back: it was DOWN for {@code downFor}, longer than
     * {@link #maxDown()} allowed.
     *
     * @return whether the node may ask again (it now holds nothing it could hand out wrongly)
     */
    boolean awayTooLong(Duration downFor);

    /** The node was decommissioned and has left the ring. */
    void left();
  }

  /** @param replaces the DOWN node this one joins in place of, or null */
  public HeartbeatLoop(String nodeId, String address, String replaces, ManagerClient manager,
      TableHolder tables, Events events) {
    this.replaces = replaces;
    this.events = events;
    this.nodeId = nodeId;
    this.address = address;
    this.manager = manager;
    this.tables = tables;
  }

  @Override
  public synchronized void run() {
    if (done) {
      return;
    }
    events.beating();
    try {
      if (!registered) {
        tables.offer(manager.register(nodeId, address, replaces, events.maxDown()));
        registered = true;
        log.info("registered with the manager as {} at {}", nodeId, address);
      } else {
        Optional<RingTable> newer =
            manager.heartbeat(nodeId, address, tables.get().epoch(), events.maxDown());
        newer.ifPresent(tables::offer);
      }
      events.heard();
      if (!managerReachable) {
        log.info("manager reachable again");
        managerReachable = true;
      }
    } catch (ManagerClient.AwayTooLongException e) {
      done = !events.awayTooLong(e.downFor());
    } catch (ManagerClient.NotRegisteredException e) {
      boolean wasLeaving = tables.get().node(nodeId)
          .map(n -> n.state() == NodeState.LEAVING).orElse(false);
      if (wasLeaving) {
        log.info("decommissioned: this node has handed its keys over and left the ring");
        done = true;
        events.left();
        return;
      }
      log.warn("manager does not know this node ({}); registering again", e.getMessage());
      registered = false;
    } catch (RuntimeException e) {
      manager.reconnectNow();
      if (managerReachable) {
        log.warn("manager unreachable, serving with table epoch {}: {}", tables.get().epoch(),
            e.getMessage());
        managerReachable = false;
      }
    }
  }
}

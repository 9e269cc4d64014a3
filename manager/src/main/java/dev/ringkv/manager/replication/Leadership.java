package dev.ringkv.manager.replication;

import dev.ringkv.manager.membership.Membership;
import dev.ringkv.process.DaemonThreads;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Membership} this manager runs while it leads the managers' group, and none while
 * it follows: only the leader registers nodes, hears heartbeats, marks nodes DOWN and takes the
 * operator's changes. A new leader starts from the table its predecessors published and, like a
 * restarted manager, gives every node a full failure timeout to be heard from before it marks
 * anyone DOWN.
 */
public final class Leadership implements LeadershipListener {

  /** Opens the membership from the group's table. */
  public interface Opener {
    Membership open(ManagerGroup group) throws IOException;
  }

  private static final Logger log = LoggerFactory.getLogger(Leadership.class);
  private static final long RETRY_MS = 1_000;
  private static final long ALONE_WAIT_MS = 2_000;

  private final Opener opener;
  private final boolean alone;
  private final CompletableFuture<ManagerGroup> group = new CompletableFuture<>();
  // Leadership comes and goes on the group's threads; opening the membership waits for the log,
  // which those threads apply, so it happens here, in order.
  private final ScheduledExecutorService transitions = Executors.newSingleThreadScheduledExecutor(
      DaemonThreads.of("manager", "leadership"));
  private final CompletableFuture<Void> firstLed = new CompletableFuture<>();
  private volatile Membership current;

  /**
   * @param alone whether this manager is a group of one, which will lead as soon as it has
   *     started
   */
  public Leadership(Opener opener, boolean alone) {
    this.opener = opener;
    this.alone = alone;
  }

  /** The group whose leadership this follows, once it has started. */
  public void attach(ManagerGroup started) {
    group.complete(started);
  }

  @Override
  public void gained() {
    transition(this::takeOver);
  }

  @Override
  public void lost() {
    transition(() -> {
      if (current != null) {
        log.info("no longer the managers' leader");
      }
      current = null;
    });
  }

  private void transition(Runnable change) {
    try {
      transitions.execute(change);
    } catch (RejectedExecutionException closing) {
      current = null;
    }
  }

  private void takeOver() {
    ManagerGroup g = group.join();
    if (!g.isReadyLeader() || current != null) {
      return;
    }
    try {
      current = opener.open(g);
      firstLed.complete(null);
      log.info("leading the managers at table epoch {}", current.table().epoch());
    } catch (IOException | RuntimeException e) {
      log.warn("cannot take over as the managers' leader yet: {}; trying again in {} ms",
          e.getMessage(), RETRY_MS);
      try {
        transitions.schedule(this::takeOver, RETRY_MS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // the manager is stopping
      }
    }
  }

  /** Completes when this manager first leads, its membership open. */
  public CompletableFuture<Void> firstLed() {
    return firstLed;
  }

  /** The membership, if this manager leads. */
  public Optional<Membership> membership() {
    return Optional.ofNullable(current);
  }

  /**
   * The membership.
   *
   * @throws NotLeaderException if this manager does not lead now
   */
  public Membership leading() {
    Membership m = current;
    if (m != null) {
      return m;
    }
    if (alone && !firstLed.isDone()) {
      // A manager alone is about to lead: a node that registers while it elects itself waits
      // for that instead of retrying a heartbeat later.
      try {
        firstLed.get(ALONE_WAIT_MS, TimeUnit.MILLISECONDS);
        m = current;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // refused below
      }
      if (m != null) {
        return m;
      }
    }
    ManagerGroup g = group.getNow(null);
    Optional<GroupMember> leader = g == null ? Optional.empty() : g.leader()
        .filter(l -> !l.id().equals(g.self().id()));
    String self = g == null ? "this manager" : g.self().id();
    throw new NotLeaderException(leader
        .map(l -> self + " does not lead the managers; ask the leader, " + l.id() + " at "
            + l.address())
        .orElse(self + " does not lead the managers, and knows of no leader yet (a majority "
            + "of the managers must be up to elect one)"), leader.map(GroupMember::address));
  }

  public void close() throws InterruptedException {
    transitions.shutdownNow();
    transitions.awaitTermination(5, TimeUnit.SECONDS);
  }
}

package dev.ringkv.client;

import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.proto.TableReply;
import dev.ringkv.proto.TableRef;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.GrpcFutures;
import dev.ringkv.wire.TableCodec;
import io.grpc.CallCredentials;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's ring table: loaded from the cache, replaced by any newer table a server sends,
 * and refreshed on demand from the manager, or from any known storage node when the manager
 * does not answer. Concurrent refreshes share one round trip.
 */
final class TableRouter {

  private static final Logger log = LoggerFactory.getLogger(TableRouter.class);
  private static final TableRef NO_TABLE = TableRef.getDefaultInstance();

  private final List<String> managers;
  private final String managerAddress; // for messages: the list as given
  // The manager that answered last: asked first next time.
  private volatile int preferred;
  private final ChannelPool channels;
  private final TableCache cache;
  private final long attemptTimeoutMs;
  private final CallCredentials callCredentials;
  private final AtomicReference<RingTable> table = new AtomicReference<>();
  // The table read from the cache file, not yet confirmed by any server; null once replaced.
  private volatile RingTable fromCache;
  private CompletableFuture<RingTable> refreshing;

  TableRouter(List<String> managers, ChannelPool channels, TableCache cache,
      long attemptTimeoutMs, CallCredentials callCredentials) {
    this.managers = List.copyOf(managers);
    this.managerAddress = String.join(",", managers);
    this.channels = channels;
    this.cache = cache;
    this.attemptTimeoutMs = attemptTimeoutMs;
    this.callCredentials = callCredentials;
    cache.load().ifPresent(t -> {
      table.set(t);
      fromCache = t;
      log.debug("using cached table epoch {}", t.epoch());
    });
  }

  /** The current table, or null if there is none yet. */
  RingTable current() {
    return table.get();
  }

  TableRef ref() {
    RingTable t = table.get();
    return t == null ? NO_TABLE : TableCodec.ref(t);
  }

  /** Adopts a table a server sent, if it supersedes ours. */
  void offer(RingTableProto proto) {
    RingTable candidate = TableCodec.fromProto(proto);
    while (true) {
      RingTable existing = table.get();
      if (!candidate.supersedes(existing)) {
        return;
      }
      if (table.compareAndSet(existing, candidate)) {
        log.debug("table epoch {} -> {}", existing == null ? "none" : existing.epoch(),
            candidate.epoch());
        cache.store(candidate);
        channels.resetConnectBackoff(); // nodes may be back: do not wait out reconnect backoff
        return;
      }
    }
  }

  /**
   * Adopts a manager's table. The leading manager's table also replaces a table read from the
   * cache file that claims a higher epoch of the same cluster: such a file is stale or forged,
   * and obeying it would have every node refuse this client. A table this client had from a
   * server is never replaced by an older one (a follower's, or a deposed leader's, may be
   * behind), so the epochs it routes with never go back.
   */
  private void adoptFromManager(TableReply reply) {
    RingTable truth = TableCodec.fromProto(reply.getTable());
    RingTable existing = table.get();
    if (fromLeader(reply) && existing != null && existing == fromCache
        && existing.clusterId().equals(truth.clusterId()) && existing.epoch() > truth.epoch()
        && table.compareAndSet(existing, truth)) {
      log.warn("the cached table (epoch {}) is newer than the manager's (epoch {}); using the "
          + "manager's", existing.epoch(), truth.epoch());
      fromCache = null;
      cache.store(truth);
      return;
    }
    offer(reply.getTable());
  }

  /** A manager that does not say who it is predates the managers' group: it is the only one. */
  private static boolean fromLeader(TableReply reply) {
    return !reply.hasManager()
        || reply.getManager().getId().equals(reply.getManager().getLeaderId());
  }

  /** The current table, fetching one first if there is none. */
  CompletableFuture<RingTable> ensure() {
    RingTable t = table.get();
    return t != null ? CompletableFuture.completedFuture(t) : refresh();
  }

  /**
   * Asks the manager, then each known storage node, for a newer table. Completes with the table
   * in use afterwards; fails with {@link KvException.Reason#NO_CLUSTER} only if there is none.
   */
  synchronized CompletableFuture<RingTable> refresh() {
    if (refreshing != null && !refreshing.isDone()) {
      return refreshing;
    }
    log.debug("asking the manager at {} for a new table", managerAddress);
    refreshing = fetchFromManager()
        .thenApply(reply -> {
          if (reply.hasTable()) {
            adoptFromManager(reply);
          }
          return table.get();
        })
        .exceptionallyCompose(managerError -> {
          if (TableRouter.unwrap(managerError) instanceof KvException refused) {
            return CompletableFuture.failedFuture(refused);
          }
          log.debug("manager at {} did not answer ({}); asking storage nodes", managerAddress,
              managerError.getMessage());
          RingTable known = table.get();
          List<Node> nodes = known == null ? List.of() : new ArrayList<>(known.nodes());
          return fetchFromNodes(nodes, 0, managerError).thenApply(reply -> {
            if (reply.hasTable()) {
              offer(reply.getTable()); // a node's table is taken only if it is newer
            }
            return table.get();
          });
        });
    return refreshing;
  }

  /** Asks the managers in turn, the one that answered last first, until one answers. */
  private CompletableFuture<TableReply> fetchFromManager() {
    return fetchFromManager(preferred, 0);
  }

  private CompletableFuture<TableReply> fetchFromManager(int index, int tried) {
    String address = managers.get(index);
    return GrpcFutures.toCompletable(ManagerGrpc.newFutureStub(channels.channel(address))
            .withDeadlineAfter(attemptTimeoutMs, TimeUnit.MILLISECONDS)
            .withCallCredentials(callCredentials)
            .getTable(GetTableRequest.newBuilder().setKnown(ref()).build()))
        .thenApply(reply -> {
          preferred = index;
          return reply;
        })
        .exceptionallyCompose(TableRouter::failFastIfRefused)
        .exceptionallyCompose(e -> tried + 1 < managers.size()
            && !(TableRouter.unwrap(e) instanceof KvException)
            ? fetchFromManager((index + 1) % managers.size(), tried + 1)
            : CompletableFuture.failedFuture(e));
  }

  private CompletableFuture<TableReply> fetchFromNodes(List<Node> nodes, int index,
      Throwable managerError) {
    if (index >= nodes.size()) {
      if (table.get() != null) {
        return CompletableFuture.completedFuture(TableReply.getDefaultInstance());
      }
      if (Status.fromThrowable(managerError).getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // The manager is there but slow (a loaded machine): worth another try within the
        // request's deadline, unlike a manager nobody answers for.
        return CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription(
            "the manager at " + managerAddress + " did not answer within " + attemptTimeoutMs
                + " ms and no storage node is known").asRuntimeException());
      }
      return CompletableFuture.failedFuture(new KvException(KvException.Reason.NO_CLUSTER,
          "cannot reach the manager at " + managerAddress + " ("
              + describe(managerError) + ") and no storage node is known"));
    }
    Node node = nodes.get(index);
    return GrpcFutures.toCompletable(KvGrpc.newFutureStub(channels.channel(node.address()))
            .withDeadlineAfter(attemptTimeoutMs, TimeUnit.MILLISECONDS)
            .withCallCredentials(callCredentials)
            .getTable(GetTableRequest.newBuilder().setKnown(ref()).build()))
        .exceptionallyCompose(e -> fetchFromNodes(nodes, index + 1, managerError));
  }

  /** A manager that refuses the caller (bad token) is not a manager outage: say so at once. */
  private static CompletableFuture<TableReply> failFastIfRefused(Throwable error) {
    Status status = Status.fromThrowable(error);
    if (status.getCode() == Status.Code.UNAUTHENTICATED
        || status.getCode() == Status.Code.PERMISSION_DENIED) {
      return CompletableFuture.failedFuture(new KvException(KvException.Reason.UNAUTHENTICATED,
          "the manager refused the request: " + status.getDescription()));
    }
    return CompletableFuture.failedFuture(error);
  }

  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static String describe(Throwable error) {
    Throwable e = error;
    while (e.getCause() != null && (e.getMessage() == null
        || e instanceof java.util.concurrent.CompletionException)) {
      e = e.getCause();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}

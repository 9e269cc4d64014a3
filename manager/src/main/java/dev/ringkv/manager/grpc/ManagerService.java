package dev.ringkv.manager.grpc;

import dev.ringkv.manager.replication.Leadership;
import dev.ringkv.manager.replication.NotLeaderException;
import dev.ringkv.manager.membership.AwayTooLongException;
import dev.ringkv.manager.membership.RefusedChangeException;
import dev.ringkv.manager.membership.UnknownNodeException;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.HeartbeatRequest;
import dev.ringkv.proto.ManagerRole;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Names;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.wire.AwayTooLong;
import dev.ringkv.wire.ManagerRedirect;
import dev.ringkv.wire.TableCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * Registration, heartbeats and table reads over gRPC. A node may register and beat only under
 * its own identity, with a well-formed id and address; anything else is refused with a sentence
 * and changes nothing.
 */
public final class ManagerService extends ManagerGrpc.ManagerImplBase {

  private final Leadership leadership;
  private final Supplier<RingTable> tables;
  private final Supplier<ManagerRole> role;

  /**
   * @param leadership whose membership registers nodes and hears heartbeats (the leader's)
   * @param tables the table as this manager applied it, which every manager serves
   * @param role this manager's id and the leader it knows of, told to table readers
   */
  public ManagerService(Leadership leadership, Supplier<RingTable> tables,
      Supplier<ManagerRole> role) {
    this.leadership = leadership;
    this.tables = tables;
    this.role = role;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<TableReply> reply) {
    try {
      checkClaim(request.getNodeId(), request.getAddress());
      checkMaxDown(request.getMaxDownMs());
      String replaces = request.getReplaces().isEmpty() ? null : request.getReplaces();
      if (replaces != null) {
        checkId(replaces);
      }
      respond(reply, leadership.leading()
          .register(request.getNodeId(), request.getAddress(), replaces,
              request.getMaxDownMs()), true);
    } catch (StatusRuntimeException e) {
      reply.onError(e);
    } catch (NotLeaderException e) {
      reply.onError(ManagerService.notLeader(e));
    } catch (UncheckedIOException e) {
      reply.onError(unsaved(e));
    } catch (AwayTooLongException e) {
      reply.onError(AwayTooLong.refusal(e.getMessage(), e.downForMs()));
    } catch (RefusedChangeException e) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
    }
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<TableReply> reply) {
    try {
      checkClaim(request.getNodeId(), request.getAddress());
      checkMaxDown(request.getMaxDownMs());
      RingTable table = leadership.leading()
          .heartbeat(request.getNodeId(), request.getAddress(), request.getMaxDownMs());
      respond(reply, table, table.epoch() > request.getKnownEpoch());
    } catch (StatusRuntimeException e) {
      reply.onError(e);
    } catch (NotLeaderException e) {
      reply.onError(ManagerService.notLeader(e));
    } catch (UncheckedIOException e) {
      reply.onError(unsaved(e));
    } catch (UnknownNodeException e) {
      reply.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
    } catch (AwayTooLongException e) {
      reply.onError(AwayTooLong.refusal(e.getMessage(), e.downForMs()));
    } catch (RefusedChangeException e) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
    }
  }

  /**
   * The table, unless the caller already holds this very one. A caller holding a table of this
   * cluster with a higher epoch (a stale cache, a forged file) gets the manager's: it is the
   * source of truth.
   */
  @Override
  public void getTable(GetTableRequest request, StreamObserver<TableReply> reply) {
    RingTable table = tables.get();
    if (table == null) {
      reply.onError(Status.UNAVAILABLE.withDescription("the managers have not published a "
          + "table yet (a majority of them must be up to elect a leader)").asRuntimeException());
      return;
    }
    TableReply.Builder b = TableReply.newBuilder().setManager(role.get());
    if (!TableCodec.ref(table).equals(request.getKnown())) {
      b.setTable(TableCodec.toProto(table));
    }
    reply.onNext(b.build());
    reply.onCompleted();
  }

  /** A change asked of a follower: UNAVAILABLE, with the leader's address if known. */
  static StatusRuntimeException notLeader(NotLeaderException e) {
    return ManagerRedirect.notLeader(e.getMessage(), e.leaderAddress());
  }

  /** A change the leader could not save: a majority of the managers is not reachable. */
  static StatusRuntimeException unsaved(UncheckedIOException e) {
    return Status.UNAVAILABLE.withDescription("the change was not saved, try again: "
        + e.getCause().getMessage()).asRuntimeException();
  }

  private static void respond(StreamObserver<TableReply> reply, RingTable table, boolean include) {
    TableReply.Builder b = TableReply.newBuilder();
    if (include) {
      b.setTable(TableCodec.toProto(table));
    }
    reply.onNext(b.build());
    reply.onCompleted();
  }

  private static void checkId(String nodeId) {
    try {
      Names.checkNodeId(nodeId);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  private static void checkMaxDown(long maxDownMs) {
    if (maxDownMs < 0) {
      throw Status.INVALID_ARGUMENT.withDescription("max_down_ms must not be negative, got "
          + maxDownMs).asRuntimeException();
    }
  }

  /** A well-formed id and address, claimed by the node the caller's identity names. */
  private static void checkClaim(String nodeId, String address) {
    checkId(nodeId);
    try {
      Names.checkAddress("node address", address);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    if (AccessPolicy.RESERVED_IDS.contains(nodeId)) {
      throw Status.INVALID_ARGUMENT.withDescription("node id '" + nodeId
          + "' is reserved for the cluster's own tools").asRuntimeException();
    }
    String caller = AccessPolicy.caller();
    if (caller != null && !caller.equals(nodeId)) {
      throw Status.PERMISSION_DENIED.withDescription("the caller is " + caller
          + " and may speak only for itself, not for " + nodeId).asRuntimeException();
    }
  }
}

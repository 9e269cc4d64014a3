package dev.ringkv.manager.grpc;

import dev.ringkv.manager.membership.Membership;
import dev.ringkv.manager.membership.RefusedChangeException;
import dev.ringkv.manager.membership.UnknownNodeException;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.HeartbeatRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Names;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.wire.TableCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

/**
 * Registration, heartbeats and table reads over gRPC. A node may register and beat only under
 * its own identity, with a well-formed id and address; anything else is refused with a sentence
 * and changes nothing.
 */
public final class ManagerService extends ManagerGrpc.ManagerImplBase {

  private final Membership membership;

  public ManagerService(Membership membership) {
    this.membership = membership;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<TableReply> reply) {
    try {
      checkClaim(request.getNodeId(), request.getAddress());
      String replaces = request.getReplaces().isEmpty() ? null : request.getReplaces();
      if (replaces != null) {
        checkId(replaces);
      }
      respond(reply, membership.register(request.getNodeId(), request.getAddress(), replaces),
          true);
    } catch (StatusRuntimeException e) {
      reply.onError(e);
    } catch (RefusedChangeException e) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
    }
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<TableReply> reply) {
    try {
      checkClaim(request.getNodeId(), request.getAddress());
      RingTable table = membership.heartbeat(request.getNodeId(), request.getAddress());
      respond(reply, table, table.epoch() > request.getKnownEpoch());
    } catch (StatusRuntimeException e) {
      reply.onError(e);
    } catch (UnknownNodeException e) {
      reply.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
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
    RingTable table = membership.table();
    respond(reply, table, !TableCodec.ref(table).equals(request.getKnown()));
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

package dev.ringkv.manager.grpc;

import dev.ringkv.manager.membership.Membership;
import dev.ringkv.manager.membership.UnknownNodeException;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.HeartbeatRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** Registration, heartbeats and table reads over gRPC. */
public final class ManagerService extends ManagerGrpc.ManagerImplBase {

  private final Membership membership;

  public ManagerService(Membership membership) {
    this.membership = membership;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<TableReply> reply) {
    String problem = checkIdentity(request.getNodeId(), request.getAddress());
    if (problem != null) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
      return;
    }
    RingTable table = membership.register(request.getNodeId(), request.getAddress());
    respond(reply, table, true);
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<TableReply> reply) {
    String problem = checkIdentity(request.getNodeId(), request.getAddress());
    if (problem != null) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
      return;
    }
    try {
      RingTable table = membership.heartbeat(request.getNodeId(), request.getAddress());
      respond(reply, table, table.epoch() > request.getKnownEpoch());
    } catch (UnknownNodeException e) {
      reply.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void getTable(GetTableRequest request, StreamObserver<TableReply> reply) {
    RingTable table = membership.table();
    respond(reply, table, TableCodec.supersedes(table, request.getKnown()));
  }

  private static void respond(StreamObserver<TableReply> reply, RingTable table, boolean include) {
    TableReply.Builder b = TableReply.newBuilder();
    if (include) {
      b.setTable(TableCodec.toProto(table));
    }
    reply.onNext(b.build());
    reply.onCompleted();
  }

  private static String checkIdentity(String nodeId, String address) {
    if (nodeId.isBlank()) {
      return "node id must not be empty";
    }
    if (!address.matches("[^\\s:]+:\\d{1,5}")) {
      return "node address '" + address + "' is not host:port";
    }
    return null;
  }
}

package dev.ringkv.manager.grpc;

import dev.ringkv.manager.membership.Membership;
import dev.ringkv.manager.membership.RefusedChangeException;
import dev.ringkv.proto.ClusterAdminGrpc;
import dev.ringkv.proto.DecommissionRequest;
import dev.ringkv.proto.RemoveNodeRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Names;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/**
 * Membership changes an operator asks for. The access policy lets only the admin identity in
 * (or anyone, in a cluster that trusts its network); a refusal is one sentence and changes
 * nothing.
 */
public final class ClusterAdminService extends ClusterAdminGrpc.ClusterAdminImplBase {

  private final Membership membership;

  public ClusterAdminService(Membership membership) {
    this.membership = membership;
  }

  @Override
  public void removeNode(RemoveNodeRequest request, StreamObserver<TableReply> reply) {
    change(request.getNodeId(), membership::removeNode, reply);
  }

  @Override
  public void decommission(DecommissionRequest request, StreamObserver<TableReply> reply) {
    change(request.getNodeId(), membership::decommission, reply);
  }

  private static void change(String nodeId, Function<String, RingTable> change,
      StreamObserver<TableReply> reply) {
    try {
      Names.checkNodeId(nodeId);
      reply.onNext(TableReply.newBuilder()
          .setTable(TableCodec.toProto(change.apply(nodeId))).build());
      reply.onCompleted();
    } catch (IllegalArgumentException e) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (RefusedChangeException e) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
    }
  }
}

package dev.ringkv.manager.grpc;

import dev.ringkv.manager.membership.Membership;
import dev.ringkv.manager.membership.RefusedChangeException;
import dev.ringkv.manager.replication.Leadership;
import dev.ringkv.manager.replication.NotLeaderException;
import dev.ringkv.proto.ClusterAdminGrpc;
import dev.ringkv.proto.DecommissionRequest;
import dev.ringkv.proto.RemoveNodeRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Names;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.util.function.BiFunction;

/**
 * Membership changes an operator asks for. The access policy lets only the admin identity in
 * (or anyone, in a cluster that trusts its network); a refusal is one sentence and changes
 * nothing.
 */
public final class ClusterAdminService extends ClusterAdminGrpc.ClusterAdminImplBase {

  private final Leadership leadership;

  public ClusterAdminService(Leadership leadership) {
    this.leadership = leadership;
  }

  @Override
  public void removeNode(RemoveNodeRequest request, StreamObserver<TableReply> reply) {
    change(request.getNodeId(), Membership::removeNode, reply);
  }

  @Override
  public void decommission(DecommissionRequest request, StreamObserver<TableReply> reply) {
    change(request.getNodeId(), Membership::decommission, reply);
  }

  private void change(String nodeId, BiFunction<Membership, String, RingTable> change,
      StreamObserver<TableReply> reply) {
    try {
      Names.checkNodeId(nodeId);
      reply.onNext(TableReply.newBuilder()
          .setTable(TableCodec.toProto(change.apply(leadership.leading(), nodeId))).build());
      reply.onCompleted();
    } catch (StatusRuntimeException e) {
      reply.onError(e);
    } catch (NotLeaderException e) {
      reply.onError(ManagerService.notLeader(e));
    } catch (UncheckedIOException e) {
      reply.onError(ManagerService.unsaved(e));
    } catch (IllegalArgumentException e) {
      reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    } catch (RefusedChangeException e) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException());
    }
  }
}

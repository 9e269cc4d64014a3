package dev.ringkv.storage.grpc;

import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.HeartbeatRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.membership.ManagerClient;
import dev.ringkv.wire.TableCodec;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** {@link ManagerClient} over gRPC, each call under a deadline. */
public final class GrpcManagerClient implements ManagerClient {

  private final ManagedChannel channel;
  private final long timeoutMs;
  private final CallCredentials identity;
  private final CallCredentials clientToken;

  /**
   * @param identity how this node proves who it is without TLS; null otherwise
   * @param clientToken the clients' bearer token, which reading the table (a client's call)
   *     needs in a cluster that has one; null otherwise
   */
  public GrpcManagerClient(ManagedChannel channel, long timeoutMs, CallCredentials identity,
      CallCredentials clientToken) {
    this.channel = channel;
    this.identity = identity;
    this.clientToken = clientToken;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public RingTable register(String nodeId, String address, String replaces) {
    RegisterRequest.Builder request =
        RegisterRequest.newBuilder().setNodeId(nodeId).setAddress(address);
    if (replaces != null) {
      request.setReplaces(replaces);
    }
    TableReply reply = stub().register(request.build());
    return TableCodec.fromProto(reply.getTable());
  }

  @Override
  public RingTable table() {
    return TableCodec.fromProto(stub().withCallCredentials(clientToken)
        .getTable(GetTableRequest.getDefaultInstance()).getTable());
  }

  @Override
  public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch) {
    try {
      TableReply reply = stub().heartbeat(HeartbeatRequest.newBuilder()
          .setNodeId(nodeId).setAddress(address).setKnownEpoch(knownEpoch).build());
      return reply.hasTable() ? Optional.of(TableCodec.fromProto(reply.getTable()))
          : Optional.empty();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new NotRegisteredException(e.getStatus().getDescription());
      }
      throw e;
    }
  }

  @Override
  public void reconnectNow() {
    channel.resetConnectBackoff();
  }

  private ManagerGrpc.ManagerBlockingStub stub() {
    return ManagerGrpc.newBlockingStub(channel).withCallCredentials(identity)
        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }
}

package dev.ringkv.storage.grpc;

import dev.ringkv.proto.HeartbeatRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.membership.ManagerClient;
import dev.ringkv.wire.AwayTooLong;
import dev.ringkv.wire.TableCodec;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** {@link ManagerClient} over gRPC, each call under a deadline. */
public final class GrpcManagerClient implements ManagerClient {

  private final ManagedChannel channel;
  private final long timeoutMs;
  private final CallCredentials identity;

  /** @param identity how this node proves who it is without TLS; null otherwise */
  public GrpcManagerClient(ManagedChannel channel, long timeoutMs, CallCredentials identity) {
    this.channel = channel;
    this.identity = identity;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public RingTable register(String nodeId, String address, String replaces, Duration maxDown) {
    RegisterRequest.Builder request = RegisterRequest.newBuilder().setNodeId(nodeId)
        .setAddress(address).setMaxDownMs(maxDown.toMillis());
    if (replaces != null) {
      request.setReplaces(replaces);
    }
    try {
      return TableCodec.fromProto(stub().register(request.build()).getTable());
    } catch (StatusRuntimeException e) {
      throw awayTooLongOr(e);
    }
  }

  @Override
  public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch,
      Duration maxDown) {
    try {
      TableReply reply = stub().heartbeat(HeartbeatRequest.newBuilder().setNodeId(nodeId)
          .setAddress(address).setKnownEpoch(knownEpoch).setMaxDownMs(maxDown.toMillis())
          .build());
      return reply.hasTable() ? Optional.of(TableCodec.fromProto(reply.getTable()))
          : Optional.empty();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new NotRegisteredException(e.getStatus().getDescription());
      }
      throw awayTooLongOr(e);
    }
  }

  private static RuntimeException awayTooLongOr(StatusRuntimeException e) {
    OptionalLong downForMs = AwayTooLong.downForMs(e);
    return downForMs.isPresent() ? new AwayTooLongException(e.getStatus().getDescription(),
        Duration.ofMillis(downForMs.getAsLong())) : e;
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

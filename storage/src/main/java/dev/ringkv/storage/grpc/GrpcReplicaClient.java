package dev.ringkv.storage.grpc;

import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.ring.Node;
import dev.ringkv.storage.coordinator.ReplicaClient;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.GrpcFutures;
import io.grpc.Context;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@link ReplicaClient} over gRPC, one pooled channel per peer, each call under a deadline. */
public final class GrpcReplicaClient implements ReplicaClient {

  private final ChannelPool channels;
  private final long timeoutMs;

  public GrpcReplicaClient(ChannelPool channels, long timeoutMs) {
    this.channels = channels;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public CompletableFuture<Void> write(Node target, String key, Record record, String hintFor) {
    ReplicaWriteRequest.Builder request = ReplicaWriteRequest.newBuilder()
        .setKey(key)
        .setRecord(ProtoConverter.toProto(record));
    if (hintFor != null) {
      request.setHintFor(hintFor);
    }
    // Detached from the client's call: the coordinator answers after a quorum, and the writes
    // to the remaining replicas must not be cancelled along with that call.
    return detached(() -> GrpcFutures.toCompletable(stub(target).write(request.build())))
        .thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Optional<Record>> read(Node target, String key) {
    return detached(() -> GrpcFutures.toCompletable(
            stub(target).read(ReplicaReadRequest.newBuilder().setKey(key).build())))
        .thenApply(r -> r.getFound()
            ? Optional.of(ProtoConverter.fromProto(r.getRecord())) : Optional.empty());
  }

  private static <T> CompletableFuture<T> detached(Supplier<CompletableFuture<T>> call) {
    Context detached = Context.current().fork();
    Context previous = detached.attach();
    try {
      return call.get();
    } finally {
      detached.detach(previous);
    }
  }

  private ReplicaGrpc.ReplicaFutureStub stub(Node target) {
    return ReplicaGrpc.newFutureStub(channels.channel(target.address()))
        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }
}

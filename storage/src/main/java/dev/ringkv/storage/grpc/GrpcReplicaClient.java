package dev.ringkv.storage.grpc;

import dev.ringkv.proto.KeyRecordProto;
import dev.ringkv.proto.RangeSummaryRequest;
import dev.ringkv.proto.ReadManyRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaWriteBatch;
import dev.ringkv.proto.ReplicaWriteBatchReply;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.coordinator.ReplicaAnswer;
import dev.ringkv.storage.coordinator.ReplicaClient;
import dev.ringkv.storage.coordinator.UnavailableException;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.sync.KeyVersion;
import dev.ringkv.storage.sync.PeerSyncClient;
import dev.ringkv.wire.CallBatcher;
import dev.ringkv.wire.ChannelPool;
import dev.ringkv.wire.GrpcFutures;
import io.grpc.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link ReplicaClient} and {@link PeerSyncClient} over gRPC, one pooled channel per peer, each
 * call under a deadline.
 */
public final class GrpcReplicaClient implements ReplicaClient, PeerSyncClient {

  // Coalescing pays once a peer has calls outstanding; two keep a peer busy without waiting.
  private static final int WRITE_CALLS_IN_FLIGHT = 2;
  private static final int MAX_BATCH_BYTES = 256 * 1024;

  private final ChannelPool channels;
  private final long timeoutMs;
  // Per peer: the error of each write ("" when it was stored).
  private final ConcurrentMap<String, CallBatcher<ReplicaWriteRequest, String>> batchers =
      new ConcurrentHashMap<>();

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
    CallBatcher<ReplicaWriteRequest, String> batcher = batchers.computeIfAbsent(
        target.address(), address -> new CallBatcher<>(WRITE_CALLS_IN_FLIGHT, MAX_BATCH_BYTES,
            ReplicaWriteRequest::getSerializedSize, writes -> sendWrites(address, writes)));
    // Detached from the client's call: the coordinator answers after a quorum, and the writes
    // to the remaining replicas must not be cancelled along with that call.
    return detached(() -> batcher.submit(request.build())).thenAccept(error -> {
      if (!error.isEmpty()) {
        throw new UnavailableException(error);
      }
    });
  }

  /** One write alone as a plain call, several as one batch; one error string per write. */
  private CompletableFuture<List<String>> sendWrites(String address,
      List<ReplicaWriteRequest> writes) {
    if (writes.size() == 1) {
      return GrpcFutures.toCompletable(stub(address).write(writes.get(0)))
          .thenApply(reply -> List.of(""));
    }
    return GrpcFutures.toCompletable(stub(address).writeBatch(
            ReplicaWriteBatch.newBuilder().addAllWrites(writes).build()))
        .thenApply(ReplicaWriteBatchReply::getErrorsList);
  }

  @Override
  public CompletableFuture<ReplicaAnswer> read(Node target, String key) {
    return detached(() -> GrpcFutures.toCompletable(
            stub(target.address()).read(ReplicaReadRequest.newBuilder().setKey(key).build())))
        .thenApply(r -> new ReplicaAnswer(r.getFound()
            ? Optional.of(ProtoConverter.fromProto(r.getRecord())) : Optional.empty(),
            r.getCaughtUp()));
  }

  @Override
  public CompletableFuture<Optional<List<KeyVersion>>> summary(Node peer, TokenRange range,
      long digest) {
    RangeSummaryRequest request = RangeSummaryRequest.newBuilder()
        .setStart(range.start()).setEnd(range.end()).setDigest(digest).build();
    return detached(() -> GrpcFutures.toCompletable(stub(peer.address()).rangeSummary(request)))
        .thenApply(r -> r.getInSync() ? Optional.empty() : Optional.of(r.getEntriesList().stream()
            .map(e -> new KeyVersion(e.getKey(), ProtoConverter.fromProto(e.getVersion())))
            .toList()));
  }

  @Override
  public CompletableFuture<Map<String, Record>> readMany(Node peer, List<String> keys) {
    ReadManyRequest request = ReadManyRequest.newBuilder().addAllKeys(keys).build();
    return detached(() -> GrpcFutures.toCompletable(stub(peer.address()).readMany(request)))
        .thenApply(r -> {
          Map<String, Record> records = new HashMap<>();
          for (KeyRecordProto kr : r.getRecordsList()) {
            records.put(kr.getKey(), ProtoConverter.fromProto(kr.getRecord()));
          }
          return records;
        });
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

  private ReplicaGrpc.ReplicaFutureStub stub(String address) {
    return ReplicaGrpc.newFutureStub(channels.channel(address))
        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }
}

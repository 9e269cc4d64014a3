package dev.ringkv.storage.grpc;

import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadReply;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaWriteReply;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.proto.StatsReply;
import dev.ringkv.proto.StatsRequest;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.engine.Record;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.function.Supplier;

/** The replica-facing service: what coordinators and peers call on this node. */
public final class ReplicaService extends ReplicaGrpc.ReplicaImplBase {

  private static final ReplicaWriteReply WRITTEN = ReplicaWriteReply.getDefaultInstance();

  private final String nodeId;
  private final LocalReplica local;
  private final Supplier<RingTable> tables;

  public ReplicaService(String nodeId, LocalReplica local, Supplier<RingTable> tables) {
    this.nodeId = nodeId;
    this.local = local;
    this.tables = tables;
  }

  @Override
  public void write(ReplicaWriteRequest request, StreamObserver<ReplicaWriteReply> reply) {
    try {
      Record record = ProtoConverter.fromProto(request.getRecord());
      String hintFor = request.getHintFor().isEmpty() ? null : request.getHintFor();
      local.store(request.getKey(), record, hintFor);
      reply.onNext(WRITTEN);
      reply.onCompleted();
    } catch (RuntimeException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
    }
  }

  @Override
  public void read(ReplicaReadRequest request, StreamObserver<ReplicaReadReply> reply) {
    try {
      Optional<Record> record = local.read(request.getKey());
      ReplicaReadReply.Builder b = ReplicaReadReply.newBuilder().setFound(record.isPresent());
      record.ifPresent(r -> b.setRecord(ProtoConverter.toProto(r)));
      reply.onNext(b.build());
      reply.onCompleted();
    } catch (RuntimeException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
    }
  }

  @Override
  public void stats(StatsRequest request, StreamObserver<StatsReply> reply) {
    try {
      reply.onNext(StatsReply.newBuilder()
          .setNodeId(nodeId)
          .setLiveKeys(local.liveKeyCount())
          .setHints(local.hintCount())
          .setTableEpoch(tables.get().epoch())
          .build());
      reply.onCompleted();
    } catch (RuntimeException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
    }
  }
}

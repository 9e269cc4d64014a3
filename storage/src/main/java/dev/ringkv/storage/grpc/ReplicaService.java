package dev.ringkv.storage.grpc;

import dev.ringkv.proto.KeyRecordProto;
import dev.ringkv.proto.KeyVersionProto;
import dev.ringkv.proto.RangeSummaryReply;
import dev.ringkv.proto.RangeSummaryRequest;
import dev.ringkv.proto.ReadManyReply;
import dev.ringkv.proto.ReadManyRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadReply;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaWriteBatch;
import dev.ringkv.proto.ReplicaWriteBatchReply;
import dev.ringkv.proto.ReplicaWriteReply;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.proto.StatsReply;
import dev.ringkv.proto.StatsRequest;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.coordinator.ReplicaAnswer;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.sync.KeyVersion;
import dev.ringkv.storage.sync.RangeDigest;
import io.grpc.stub.StreamObserver;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The replica-facing service: what coordinators and peers call on this node. */
public final class ReplicaService extends ReplicaGrpc.ReplicaImplBase {

  private static final ReplicaWriteReply WRITTEN = ReplicaWriteReply.getDefaultInstance();

  private final String nodeId;
  private final LocalReplica local;
  private final StorageEngine engine;
  private final Supplier<RingTable> tables;
  private final BooleanSupplier allCaughtUp;

  public ReplicaService(String nodeId, LocalReplica local, StorageEngine engine,
      Supplier<RingTable> tables, BooleanSupplier allCaughtUp) {
    this.nodeId = nodeId;
    this.local = local;
    this.engine = engine;
    this.tables = tables;
    this.allCaughtUp = allCaughtUp;
  }

  @Override
  public void write(ReplicaWriteRequest request, StreamObserver<ReplicaWriteReply> reply) {
    answer(reply, () -> {
      store(request);
      return WRITTEN;
    });
  }

  @Override
  public void writeBatch(ReplicaWriteBatch request, StreamObserver<ReplicaWriteBatchReply> reply) {
    answer(reply, () -> {
      ReplicaWriteBatchReply.Builder b = ReplicaWriteBatchReply.newBuilder();
      for (ReplicaWriteRequest write : request.getWritesList()) {
        try {
          store(write);
          b.addErrors("");
        } catch (RuntimeException e) {
          b.addErrors(nodeId + ": " + e.getMessage()); // this write failed; the others stand
        }
      }
      return b.build();
    });
  }

  @Override
  public void read(ReplicaReadRequest request, StreamObserver<ReplicaReadReply> reply) {
    answer(reply, () -> {
      ReplicaAnswer answer = local.read(request.getKey());
      ReplicaReadReply.Builder b = ReplicaReadReply.newBuilder()
          .setFound(answer.record().isPresent())
          .setCaughtUp(answer.caughtUp());
      answer.record().ifPresent(r -> b.setRecord(ProtoConverter.toProto(r)));
      return b.build();
    });
  }

  @Override
  public void rangeSummary(RangeSummaryRequest request, StreamObserver<RangeSummaryReply> reply) {
    answer(reply, () -> {
      TokenRange range = new TokenRange(request.getStart(), request.getEnd());
      RangeSummaryReply.Builder b = RangeSummaryReply.newBuilder();
      if (RangeDigest.of(engine, range) == request.getDigest()) {
        return b.setInSync(true).build();
      }
      for (KeyVersion kv : RangeDigest.entries(engine, range)) {
        b.addEntries(KeyVersionProto.newBuilder()
            .setKey(kv.key()).setVersion(ProtoConverter.toProto(kv.version())));
      }
      return b.build();
    });
  }

  @Override
  public void readMany(ReadManyRequest request, StreamObserver<ReadManyReply> reply) {
    answer(reply, () -> {
      ReadManyReply.Builder b = ReadManyReply.newBuilder();
      for (String key : request.getKeysList()) {
        engine.get(key).ifPresent(r -> b.addRecords(KeyRecordProto.newBuilder()
            .setKey(key).setRecord(ProtoConverter.toProto(r))));
      }
      return b.build();
    });
  }

  @Override
  public void stats(StatsRequest request, StreamObserver<StatsReply> reply) {
    answer(reply, () -> {
      long epoch = tables.get().epoch();
      Runtime runtime = Runtime.getRuntime();
      return StatsReply.newBuilder()
          .setNodeId(nodeId)
          .setLiveKeys(local.liveKeyCount())
          .setHints(local.hintCount())
          .setTableEpoch(epoch)
          .setCaughtUp(epoch > 0 && allCaughtUp.getAsBoolean())
          .setHeapUsedBytes(runtime.totalMemory() - runtime.freeMemory())
          .setHeapMaxBytes(runtime.maxMemory())
          .build();
    });
  }

  private void store(ReplicaWriteRequest request) {
    Record record = ProtoConverter.fromProto(request.getRecord());
    String hintFor = request.getHintFor().isEmpty() ? null : request.getHintFor();
    local.store(request.getKey(), record, hintFor);
  }

  /** Replies with what {@code body} returns, or with the status its failure maps to. */
  private <T> void answer(StreamObserver<T> reply, Supplier<T> body) {
    T value;
    try {
      value = body.get();
    } catch (RuntimeException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
      return;
    }
    reply.onNext(value);
    reply.onCompleted();
  }
}

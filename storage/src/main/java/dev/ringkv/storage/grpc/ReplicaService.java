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
import dev.ringkv.proto.ReplicaReply;
import dev.ringkv.proto.ReplicaReplyFrame;
import dev.ringkv.proto.ReplicaRequest;
import dev.ringkv.proto.ReplicaRequestFrame;
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
import dev.ringkv.wire.Framing;
import dev.ringkv.wire.InFlightBudget;
import dev.ringkv.wire.StreamServer;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The replica-facing service: what coordinators and peers call on this node. A coordinator's
 * writes and reads come over one stream per peer ({@code Stream}); single calls serve the rest.
 */
public final class ReplicaService extends ReplicaGrpc.ReplicaImplBase {

  private static final ReplicaWriteReply WRITTEN = ReplicaWriteReply.getDefaultInstance();

  private final String nodeId;
  private final LocalReplica local;
  private final StorageEngine engine;
  private final Supplier<RingTable> tables;
  private final BooleanSupplier allCaughtUp;
  private final Predicate<TokenRange> caughtUpOn;
  private final Runnable refreshTable;

  private final StreamServer<ReplicaRequest, ReplicaRequestFrame, ReplicaReply, ReplicaReplyFrame>
      streams;

  /**
   * @param caughtUpOn whether this node has caught up on a range, so that a peer syncing from
   *     it learns something
   * @param refreshTable asks for this node's table to be refreshed soon; called when a caller
   *     shows a newer table than the node has
   * @param budget what streamed requests may hold at once (calls have their interceptor)
   * @param sender where reply frames of streams are sent from
   */
  public ReplicaService(String nodeId, LocalReplica local, StorageEngine engine,
      Supplier<RingTable> tables, BooleanSupplier allCaughtUp, Predicate<TokenRange> caughtUpOn,
      Runnable refreshTable, InFlightBudget budget, Executor sender, int maxFrameBytes) {
    this.nodeId = nodeId;
    this.local = local;
    this.engine = engine;
    this.tables = tables;
    this.allCaughtUp = allCaughtUp;
    this.caughtUpOn = caughtUpOn;
    this.refreshTable = refreshTable;
    this.streams = new StreamServer<>(nodeId, Framing.REPLICA, this::serve, budget,
        sender, maxFrameBytes);
  }

  @Override
  public void write(ReplicaWriteRequest request, StreamObserver<ReplicaWriteReply> reply) {
    answer(reply, () -> {
      store(request);
      return WRITTEN;
    });
  }

  @Override
  public StreamObserver<ReplicaRequestFrame> stream(StreamObserver<ReplicaReplyFrame> replies) {
    return streams.open(replies);
  }

  /** Refuses new streamed requests and ends each stream once its requests are answered. */
  public void drainStreams() {
    streams.drain();
  }

  private CompletableFuture<ReplicaReply> serve(ReplicaRequest request) {
    ReplicaReply.Builder reply = ReplicaReply.newBuilder().setId(request.getId());
    try {
      switch (request.getOpCase()) {
        case WRITE -> {
          store(request.getWrite());
          reply.setWrite(WRITTEN);
        }
        case READ -> reply.setRead(read(request.getRead()));
        case OP_NOT_SET -> throw new IllegalArgumentException(
            "a streamed request names no operation");
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(StatusMapper.toStatus(nodeId, e));
    }
    return CompletableFuture.completedFuture(reply.build());
  }

  @Override
  public void read(ReplicaReadRequest request, StreamObserver<ReplicaReadReply> reply) {
    answer(reply, () -> read(request));
  }

  private ReplicaReadReply read(ReplicaReadRequest request) {
    if (local.isBehind(request.getTableEpoch())) {
      refreshTable.run();
    }
    ReplicaAnswer answer = local.read(request.getKey(), request.getTableEpoch());
    ReplicaReadReply.Builder b = ReplicaReadReply.newBuilder()
        .setFound(answer.record().isPresent())
        .setCaughtUp(answer.caughtUp());
    answer.record().ifPresent(r -> b.setRecord(ProtoConverter.toProto(r)));
    return b.build();
  }

  @Override
  public void rangeSummary(RangeSummaryRequest request, StreamObserver<RangeSummaryReply> reply) {
    answer(reply, () -> {
      TokenRange range = new TokenRange(request.getStart(), request.getEnd());
      RangeSummaryReply.Builder b = RangeSummaryReply.newBuilder()
          .setCaughtUp(caughtUpOn.test(range));
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

package dev.ringkv.storage.grpc;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.ConsistencyProto;
import dev.ringkv.proto.DeleteRequest;
import dev.ringkv.proto.GetReply;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.proto.TableRef;
import dev.ringkv.proto.TableReply;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.proto.WriteReply;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.Coordinator;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.metrics.NodeMetrics;
import dev.ringkv.storage.metrics.NodeMetrics.ClientOp;
import dev.ringkv.version.Version;
import dev.ringkv.wire.Framing;
import dev.ringkv.wire.InFlightBudget;
import dev.ringkv.wire.StreamServer;
import dev.ringkv.wire.ValueCodec;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The client-facing service: validates, hands the request to the coordinator, replies. Requests
 * come one per call or many over a stream ({@code Stream}); both are served alike.
 */
public final class KvService extends KvGrpc.KvImplBase {

  private final String nodeId;
  private final Coordinator coordinator;
  private final CallerTables callerTables;
  private final NodeMetrics metrics;
  private final RequestLimits limits;
  private final LongSupplier clockMs;
  private final StreamServer<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> streams;
  private final ClientReservation reservation;

  /**
   * @param refreshTable asks for this node's table to be refreshed soon; called when a client
   *     shows a newer table than the node has
   * @param budget what streamed requests may hold at once (calls have their interceptor)
   * @param sender where reply frames of streams are sent from
   * @param clockMs wall-clock time, for request deadlines and client versions
   * @param metrics counts each request as it is answered
   */
  public KvService(String nodeId, Coordinator coordinator, Supplier<RingTable> tables,
      RequestLimits limits, Runnable refreshTable, InFlightBudget budget, Executor sender,
      int maxFrameBytes, LongSupplier clockMs, NodeMetrics metrics) {
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.coordinator = coordinator;
    this.callerTables = new CallerTables(nodeId, tables, refreshTable);
    this.limits = limits;
    this.clockMs = clockMs;
    this.reservation = new ClientReservation(coordinator, budget.maxAdmitBytes());
    this.streams = new StreamServer<>(nodeId, Framing.KV, this::serve,
        reservation::applyAsLong, budget, sender, maxFrameBytes, clockMs);
  }

  /**
   * The load shedding to put in front of this service's single calls.
   *
   * @param timer runs the timeouts of calls whose message does not come
   */
  public ServerInterceptor admission(InFlightBudget budget, ScheduledExecutorService timer) {
    return new Admission(nodeId, budget, timer, reservation);
  }

  /** As {@link #admission(InFlightBudget, ScheduledExecutorService)}, for another service. */
  public static ServerInterceptor admission(String nodeId, InFlightBudget budget,
      ScheduledExecutorService timer) {
    return new Admission(nodeId, budget, timer, message -> 0);
  }

  /** The stream server's frames read so far (with {@link #requestsRead}: requests per frame). */
  public long framesRead() {
    return streams.framesRead();
  }

  /** Requests read from streams so far. */
  public long requestsRead() {
    return streams.requestsRead();
  }

  /** Refuses new streamed requests and ends each stream once its requests are answered. */
  public void drainStreams() {
    streams.drain();
  }

  @Override
  public void put(PutRequest request, StreamObserver<WriteReply> reply) {
    answer(put(request), reply);
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<WriteReply> reply) {
    answer(delete(request), reply);
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetReply> reply) {
    answer(get(request), reply);
  }

  @Override
  public StreamObserver<KvRequestFrame> stream(StreamObserver<KvReplyFrame> replies) {
    return streams.open(replies);
  }

  private CompletableFuture<KvReply> serve(KvRequest request) {
    KvReply.Builder reply = KvReply.newBuilder().setId(request.getId());
    return switch (request.getOpCase()) {
      case PUT -> put(request.getPut()).thenApply(r -> reply.setWrite(r).build());
      case DELETE -> delete(request.getDelete()).thenApply(r -> reply.setWrite(r).build());
      case GET -> get(request.getGet()).thenApply(r -> reply.setGet(r).build());
      case OP_NOT_SET -> CompletableFuture.failedFuture(Status.INVALID_ARGUMENT
          .withDescription("a streamed request names no operation").asRuntimeException());
    };
  }

  private CompletableFuture<WriteReply> put(PutRequest request) {
    long start = System.nanoTime();
    return observed(ClientOp.PUT, request.getConsistency(), start,
        admit(request.getKey(), request.getValue().size(), request.getConsistency(),
            request.getTable())
        .thenCompose(level -> coordinator.write(request.getKey(),
            request.getValue().toByteArray(), level,
            clientVersion(request.hasVersion(), request.getVersion())))
        .handle((version, error) -> writeReply(request.getTable(), version, error)));
  }

  private CompletableFuture<WriteReply> delete(DeleteRequest request) {
    long start = System.nanoTime();
    return observed(ClientOp.DELETE, request.getConsistency(), start,
        admit(request.getKey(), 0, request.getConsistency(), request.getTable())
        .thenCompose(level -> coordinator.write(request.getKey(), null, level,
            clientVersion(request.hasVersion(), request.getVersion())))
        .handle((version, error) -> writeReply(request.getTable(), version, error)));
  }

  /** Counts a request and its latency once it is answered. */
  private <T> CompletableFuture<T> observed(ClientOp op, ConsistencyProto consistency,
      long startNanos, CompletableFuture<T> answer) {
    return answer.whenComplete((reply, error) ->
        metrics.clientRequest(op, consistency, error, startNanos));
  }

  /** The version the client fixed for a write, checked; null if it left it to the coordinator. */
  private Version clientVersion(boolean present, VersionProto proto) {
    if (!present) {
      return null;
    }
    Version version = ValueCodec.fromProto(proto);
    limits.checkVersion(version, clockMs.getAsLong());
    return version;
  }

  private CompletableFuture<GetReply> get(GetRequest request) {
    long start = System.nanoTime();
    return observed(ClientOp.GET, request.getConsistency(), start,
        admit(request.getKey(), 0, request.getConsistency(), request.getTable())
        .thenCompose(level -> coordinator.read(request.getKey(), level))
        .handle((record, error) -> {
          if (error != null) {
            throw StatusMapper.toStatus(nodeId, error);
          }
          return toGetReply(record, request.getTable());
        }));
  }

  private static <T> void answer(CompletableFuture<T> result, StreamObserver<T> reply) {
    result.whenComplete((value, error) -> {
      if (error != null) {
        reply.onError(Status.fromThrowable(error).asRuntimeException());
      } else {
        reply.onNext(value);
        reply.onCompleted();
      }
    });
  }

  /**
   * Checks a request before it reaches the coordinator: key and value within limits, a known
   * consistency level, and a caller not routing with a newer table than this node's.
   *
   * @return the consistency level to serve at, or a failure saying why the request is refused
   */
  private CompletableFuture<Consistency> admit(String key, int valueBytes,
      ConsistencyProto consistency, TableRef callerTable) {
    Consistency level;
    try {
      limits.checkKey(key);
      limits.checkValue(valueBytes);
      level = ValueCodec.fromProto(consistency);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(StatusMapper.toStatus(nodeId, e));
    }
    Status behind = callerTables.refusal(callerTable);
    return behind == null ? CompletableFuture.completedFuture(level)
        : CompletableFuture.failedFuture(behind.asRuntimeException());
  }

  @Override
  public void getTable(GetTableRequest request, StreamObserver<TableReply> reply) {
    TableReply.Builder b = TableReply.newBuilder();
    callerTables.newerThan(request.getKnown()).ifPresent(b::setTable);
    reply.onNext(b.build());
    reply.onCompleted();
  }

  private WriteReply writeReply(TableRef callerTable, Version version, Throwable error) {
    if (error != null) {
      throw StatusMapper.toStatus(nodeId, error);
    }
    WriteReply.Builder b = WriteReply.newBuilder()
        .setCoordinator(nodeId)
        .setVersion(ValueCodec.toProto(version));
    callerTables.newerThan(callerTable).ifPresent(b::setNewerTable);
    return b.build();
  }

  private GetReply toGetReply(Optional<Record> record, TableRef callerTable) {
    GetReply.Builder b = GetReply.newBuilder().setCoordinator(nodeId);
    if (record.isPresent() && !record.get().isTombstone()) {
      b.setFound(true)
          .setValue(ByteString.copyFrom(record.get().value()))
          .setVersion(ValueCodec.toProto(record.get().version()));
    }
    callerTables.newerThan(callerTable).ifPresent(b::setNewerTable);
    return b.build();
  }

}

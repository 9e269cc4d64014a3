package dev.ringkv.storage.grpc;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.ConsistencyProto;
import dev.ringkv.proto.DeleteRequest;
import dev.ringkv.proto.GetReply;
import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.KvGrpc;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.proto.RingTableProto;
import dev.ringkv.proto.TableReply;
import dev.ringkv.proto.TableRef;
import dev.ringkv.proto.WriteReply;
import dev.ringkv.ring.Consistency;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.Coordinator;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.version.Version;
import dev.ringkv.wire.TableCodec;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.function.Supplier;

/** The client-facing service: validates, hands the request to the coordinator, replies. */
public final class KvService extends KvGrpc.KvImplBase {

  private final String nodeId;
  private final Coordinator coordinator;
  private final Supplier<RingTable> tables;
  private final RequestLimits limits;
  private final Runnable refreshTable;

  /**
   * @param refreshTable asks for this node's table to be refreshed soon; called when a client
   *     shows a newer table than the node has
   */
  public KvService(String nodeId, Coordinator coordinator, Supplier<RingTable> tables,
      RequestLimits limits, Runnable refreshTable) {
    this.nodeId = nodeId;
    this.coordinator = coordinator;
    this.tables = tables;
    this.limits = limits;
    this.refreshTable = refreshTable;
  }

  /** The load shedding to put in front of this service. */
  public static ServerInterceptor admission(String nodeId, int maxCalls, long maxBytes) {
    return new Admission(nodeId, maxCalls, maxBytes);
  }

  @Override
  public void put(PutRequest request, StreamObserver<WriteReply> reply) {
    Consistency consistency = admit(request.getKey(), request.getValue().size(),
        request.getConsistency(), request.getTable(), reply);
    if (consistency != null) {
      coordinator.write(request.getKey(), request.getValue().toByteArray(), consistency)
          .whenComplete((version, error) -> replyWrite(reply, request.getTable(), version, error));
    }
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<WriteReply> reply) {
    Consistency consistency = admit(request.getKey(), 0, request.getConsistency(),
        request.getTable(), reply);
    if (consistency != null) {
      coordinator.write(request.getKey(), null, consistency)
          .whenComplete((version, error) -> replyWrite(reply, request.getTable(), version, error));
    }
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetReply> reply) {
    Consistency consistency = admit(request.getKey(), 0, request.getConsistency(),
        request.getTable(), reply);
    if (consistency == null) {
      return;
    }
    coordinator.read(request.getKey(), consistency).whenComplete((record, error) -> {
      if (error != null) {
        reply.onError(StatusMapper.toStatus(nodeId, error));
        return;
      }
      reply.onNext(toGetReply(record, request.getTable()));
      reply.onCompleted();
    });
  }

  /**
   * Checks a request before it reaches the coordinator: key and value within limits, a known
   * consistency level, and a caller not routing with a newer table than this node's.
   *
   * @return the consistency level to serve at, or null if the request was refused (the reply
   *     already carries why)
   */
  private Consistency admit(String key, int valueBytes, ConsistencyProto consistency,
      TableRef callerTable, StreamObserver<?> reply) {
    Consistency level;
    try {
      limits.checkKey(key);
      limits.checkValue(valueBytes);
      level = ProtoConverter.fromProto(consistency);
    } catch (IllegalArgumentException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
      return null;
    }
    return refusedAsBehind(callerTable, reply) ? null : level;
  }

  @Override
  public void getTable(GetTableRequest request, StreamObserver<TableReply> reply) {
    TableReply.Builder b = TableReply.newBuilder();
    newerTableThan(request.getKnown()).ifPresent(b::setTable);
    reply.onNext(b.build());
    reply.onCompleted();
  }

  private void replyWrite(StreamObserver<WriteReply> reply, TableRef callerTable, Version version,
      Throwable error) {
    if (error != null) {
      reply.onError(StatusMapper.toStatus(nodeId, error));
      return;
    }
    WriteReply.Builder b = WriteReply.newBuilder()
        .setCoordinator(nodeId)
        .setVersion(ProtoConverter.toProto(version));
    newerTableThan(callerTable).ifPresent(b::setNewerTable);
    reply.onNext(b.build());
    reply.onCompleted();
  }

  private GetReply toGetReply(Optional<Record> record, TableRef callerTable) {
    GetReply.Builder b = GetReply.newBuilder().setCoordinator(nodeId);
    if (record.isPresent() && !record.get().isTombstone()) {
      b.setFound(true)
          .setValue(ByteString.copyFrom(record.get().value()))
          .setVersion(ProtoConverter.toProto(record.get().version()));
    }
    newerTableThan(callerTable).ifPresent(b::setNewerTable);
    return b.build();
  }

  /**
   * A coordinator must not route with an older table than its client: it could miss replicas
   * that joined or came back. It refuses (retryable) and fetches the newer table at once.
   */
  private boolean refusedAsBehind(TableRef callerTable, StreamObserver<?> reply) {
    RingTable table = tables.get();
    String problem = null;
    if (table.epoch() == 0) {
      problem = nodeId + " has not joined the cluster yet";
    } else if (table.clusterId().equals(callerTable.getClusterId())
        && callerTable.getEpoch() > table.epoch()) {
      problem = nodeId + " has table epoch " + table.epoch() + ", older than the caller's "
          + callerTable.getEpoch() + "; retry shortly";
    }
    if (problem == null) {
      return false;
    }
    refreshTable.run();
    reply.onError(Status.FAILED_PRECONDITION.withDescription(problem).asRuntimeException());
    return true;
  }

  /** This node's table, if the caller should switch to it (never before the node has joined). */
  private Optional<RingTableProto> newerTableThan(TableRef callerTable) {
    RingTable table = tables.get();
    return table.epoch() > 0 && TableCodec.supersedes(table, callerTable)
        ? Optional.of(TableCodec.toProto(table)) : Optional.empty();
  }
}

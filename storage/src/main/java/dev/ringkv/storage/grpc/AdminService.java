package dev.ringkv.storage.grpc;

import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.coordinator.LocalReplica;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The operator-facing service: what this node reports about itself, for status tables, the
 * bench and tests. It changes nothing; the access policy lets the admin identity call it. Its
 * answers count the store's keys and hints by scanning them, so they are worked out on an
 * executor of their own, never on the network thread.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {

  private final String nodeId;
  private final LocalReplica local;
  private final Supplier<RingTable> tables;
  private final BooleanSupplier allCaughtUp;
  private final Executor work;
  private final IntSupplier metricsPort;

  /**
   * @param allCaughtUp whether every range this node serves is caught up
   * @param work where answers are worked out; refuses work once the node is stopping
   * @param metricsPort the port of the node's metrics endpoint, or -1 for none
   */
  public AdminService(String nodeId, LocalReplica local, Supplier<RingTable> tables,
      BooleanSupplier allCaughtUp, Executor work, IntSupplier metricsPort) {
    this.nodeId = nodeId;
    this.metricsPort = metricsPort;
    this.work = work;
    this.local = local;
    this.tables = tables;
    this.allCaughtUp = allCaughtUp;
  }

  @Override
  public void nodeStatus(NodeStatusRequest request, StreamObserver<NodeStatusReply> reply) {
    try {
      work.execute(() -> answerStatus(reply));
    } catch (RejectedExecutionException stopping) {
      reply.onError(Status.UNAVAILABLE.withDescription(nodeId + " is stopping")
          .asRuntimeException());
    }
  }

  private void answerStatus(StreamObserver<NodeStatusReply> reply) {
    NodeStatusReply status;
    try {
      long epoch = tables.get().epoch();
      Runtime runtime = Runtime.getRuntime();
      status = NodeStatusReply.newBuilder()
          .setNodeId(nodeId)
          .setLiveKeys(local.liveKeyCount())
          .setHints(local.hintCount())
          .setTableEpoch(epoch)
          .setCaughtUp(epoch > 0 && allCaughtUp.getAsBoolean())
          .setHeapUsedBytes(runtime.totalMemory() - runtime.freeMemory())
          .setHeapMaxBytes(runtime.maxMemory())
          .setMetricsPort(Math.max(0, metricsPort.getAsInt()))
          .build();
    } catch (RuntimeException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
      return;
    }
    reply.onNext(status);
    reply.onCompleted();
  }
}

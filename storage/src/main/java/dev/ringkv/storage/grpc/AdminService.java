package dev.ringkv.storage.grpc;

import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.proto.RepairReply;
import dev.ringkv.proto.RepairRequest;
import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.engine.RocksStorageEngine;
import dev.ringkv.storage.engine.RocksStorageEngine.HintBacklog;
import dev.ringkv.storage.metrics.NodeCounters;
import dev.ringkv.storage.sync.SyncState;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The operator-facing service: what this node reports about itself, for status tables, the
 * bench and tests, and a repair on demand; the access policy lets the admin identity call it. Its
 * answers count the store's keys and hints by scanning them, so they are worked out on an
 * executor of their own, never on the network thread.
 */
public final class AdminService extends AdminGrpc.AdminImplBase {

  private final String nodeId;
  private final RocksStorageEngine engine;
  private final Supplier<RingTable> tables;
  private final SyncState sync;
  private final Executor work;
  private final IntSupplier metricsPort;
  private final LongSupplier wallClockMs;
  private final Runnable syncNow;
  private final NodeCounters counters;

  /**
   * @param sync which ranges the node has caught up on
   * @param work where answers are worked out; refuses work once the node is stopping
   * @param metricsPort the port of the node's metrics endpoint, or -1 for none
   * @param wallClockMs for the age of the oldest hint
   * @param syncNow runs a range sync pass as soon as it can
   * @param counters what the node's background work has done
   */
  public AdminService(String nodeId, RocksStorageEngine engine, Supplier<RingTable> tables,
      SyncState sync, Executor work, IntSupplier metricsPort, LongSupplier wallClockMs,
      Runnable syncNow, NodeCounters counters) {
    this.syncNow = syncNow;
    this.counters = counters;
    this.nodeId = nodeId;
    this.engine = engine;
    this.tables = tables;
    this.sync = sync;
    this.work = work;
    this.metricsPort = metricsPort;
    this.wallClockMs = wallClockMs;
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

  @Override
  public void repair(RepairRequest request, StreamObserver<RepairReply> reply) {
    int ranges = sync.repairAll();
    syncNow.run();
    reply.onNext(RepairReply.newBuilder().setRanges(ranges).build());
    reply.onCompleted();
  }

  private void answerStatus(StreamObserver<NodeStatusReply> reply) {
    NodeStatusReply status;
    try {
      long epoch = tables.get().epoch();
      Runtime runtime = Runtime.getRuntime();
      Map<String, HintBacklog> hints = engine.hintBacklogs();
      long oldestHintMs = hints.values().stream().mapToLong(HintBacklog::oldestPhysicalMs).min()
          .orElse(wallClockMs.getAsLong());
      status = NodeStatusReply.newBuilder()
          .setNodeId(nodeId)
          .setLiveKeys(engine.liveKeyCount())
          .setBytesHeld(engine.property("rocksdb.estimate-live-data-size")
              + engine.property("rocksdb.cur-size-all-mem-tables"))
          .setHints(hints.values().stream().mapToLong(HintBacklog::count).sum())
          .setOldestHintAgeMs(Math.max(0, wallClockMs.getAsLong() - oldestHintMs))
          .setRangesPending(sync.pending().size())
          .setStrayCopiesKept(counters.strayCopiesKept())
          .setTableEpoch(epoch)
          .setCaughtUp(epoch > 0 && sync.allCaughtUp())
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

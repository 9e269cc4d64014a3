package dev.ringkv.storage.grpc;

import com.google.protobuf.CodedOutputStream;
import dev.ringkv.proto.KeyRecordProto;
import dev.ringkv.proto.KeyVersionProto;
import dev.ringkv.proto.RangeCheckProto;
import dev.ringkv.proto.RangeDigestProto;
import dev.ringkv.proto.RangeDigestsReply;
import dev.ringkv.proto.RangeDigestsRequest;
import dev.ringkv.proto.RangeSummaryReply;
import dev.ringkv.proto.RangeSummaryRequest;
import dev.ringkv.proto.ReadManyReply;
import dev.ringkv.proto.RecordProto;
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
import dev.ringkv.ring.Names;
import dev.ringkv.ring.RingTable;
import dev.ringkv.ring.TokenRange;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.storage.coordinator.LocalReplica;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.storage.engine.StorageEngine;
import dev.ringkv.storage.metrics.NodeMetrics;
import dev.ringkv.storage.metrics.NodeMetrics.ReplicaOp;
import dev.ringkv.storage.sync.KeyVersion;
import dev.ringkv.storage.sync.PeerSyncClient;
import dev.ringkv.storage.sync.RangeDigest;
import dev.ringkv.wire.Framing;
import dev.ringkv.wire.InFlightBudget;
import dev.ringkv.wire.StreamServer;
import dev.ringkv.wire.ValueCodec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The replica-facing service: what coordinators and peers call on this node. A coordinator's
 * writes and reads come over one stream per peer ({@code Stream}); single calls serve the rest.
 * A caller with an identity must be a member of this node's table (the admin identity may only
 * inspect), and what it sends is checked like a client's input: key and value limits, a version
 * not far in the future, a hint only for a member.
 *
 * <p>It is over 300 lines because it is the whole replica-facing surface (the stream, single
 * reads, range summaries and digests, paged multi-reads), and each RPC's checks of what a peer
 * may ask sit next to the RPC they guard.
 */
public final class ReplicaService extends ReplicaGrpc.ReplicaImplBase {

  private static final ReplicaWriteReply WRITTEN = ReplicaWriteReply.getDefaultInstance();

  private final String nodeId;
  private final LocalReplica local;
  private final StorageEngine engine;
  private final Supplier<RingTable> tables;
  private final Predicate<TokenRange> caughtUpOn;
  private final Runnable refreshTable;
  private final RequestLimits limits;
  private final LongSupplier clockMs;
  private final NodeMetrics metrics;
  private final Executor scans;
  private static final int MAX_READ_MANY_KEYS = 10_000;

  private final StreamServer<ReplicaRequest, ReplicaRequestFrame, ReplicaReply, ReplicaReplyFrame>
      streams;

  /**
   * @param caughtUpOn whether this node has caught up on a range, so that a peer syncing from
   *     it learns something
   * @param refreshTable asks for this node's table to be refreshed soon; called when a caller
   *     shows a newer table than the node has
   * @param budget what streamed requests may hold at once (calls have their interceptor)
   * @param sender where reply frames of streams are sent from
   * @param clockMs wall-clock time, for request deadlines and peers' versions
   * @param metrics counts each streamed request as it is served
   * @param scans where calls that scan the store are answered, off the network thread
   */
  public ReplicaService(String nodeId, LocalReplica local, StorageEngine engine,
      Supplier<RingTable> tables, Predicate<TokenRange> caughtUpOn,
      Runnable refreshTable, RequestLimits limits, InFlightBudget budget, Executor sender,
      int maxFrameBytes, LongSupplier clockMs, NodeMetrics metrics, Executor scans) {
    this.metrics = metrics;
    this.scans = scans;
    this.limits = limits;
    this.clockMs = clockMs;
    this.nodeId = nodeId;
    this.local = local;
    this.engine = engine;
    this.tables = tables;
    this.caughtUpOn = caughtUpOn;
    this.refreshTable = refreshTable;
    this.streams = new StreamServer<>(nodeId, Framing.REPLICA, this::serve,
        request -> request.hasRead() ? roomFor(request.getRead()) : 0, budget, sender,
        maxFrameBytes, clockMs);
  }

  @Override
  public StreamObserver<ReplicaRequestFrame> stream(StreamObserver<ReplicaReplyFrame> replies) {
    try {
      checkMember();
    } catch (RuntimeException e) {
      replies.onError(StatusMapper.toStatus(nodeId, e));
      return new StreamObserver<>() {
        @Override
        public void onNext(ReplicaRequestFrame frame) {}

        @Override
        public void onError(Throwable error) {}

        @Override
        public void onCompleted() {}
      };
    }
    return streams.open(replies);
  }

  /**
   * Refuses a caller whose identity is not a member of this node's table: only members send
   * replica traffic. In an open cluster there are no identities to check.
   */
  private void checkMember() {
    String caller = AccessPolicy.caller();
    if (caller != null && !caller.equals(AccessPolicy.ADMIN)
        && tables.get().node(caller).isEmpty()) {
      refreshTable.run(); // it may have joined in a table this node has not seen yet
      throw Status.PERMISSION_DENIED.withDescription(caller + " is not a member of the cluster "
          + "in " + nodeId + "'s table (epoch " + tables.get().epoch() + ")").asRuntimeException();
    }
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

  private CompletableFuture<ReplicaReply> serve(ReplicaRequest request) {
    long start = System.nanoTime();
    ReplicaOp operation =
        request.getOpCase() == ReplicaRequest.OpCase.READ ? ReplicaOp.READ : ReplicaOp.WRITE;
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
      RuntimeException refusal = StatusMapper.toStatus(nodeId, e);
      metrics.replicaRequest(operation, refusal, start);
      return CompletableFuture.failedFuture(refusal);
    }
    metrics.replicaRequest(operation, null, start);
    return CompletableFuture.completedFuture(reply.build());
  }

  @Override
  public void read(ReplicaReadRequest request, StreamObserver<ReplicaReadReply> reply) {
    answer(reply, () -> {
      checkMember();
      return read(request);
    });
  }

  private ReplicaReadReply read(ReplicaReadRequest request) {
    limits.checkKey(request.getKey());
    if (local.isBehind(request.getTableEpoch())) {
      refreshTable.run();
    }
    return ProtoConverter.toProto(
        local.read(request.getKey(), request.getTableEpoch(), maxValueBytes(request)));
  }

  /** The largest value {@code request} has room for. */
  private int maxValueBytes(ReplicaReadRequest request) {
    if (request.getMaxValueBytes() < 0) {
      throw new IllegalArgumentException("a read's max_value_bytes must not be negative, got "
          + request.getMaxValueBytes());
    }
    return roomFor(request);
  }

  /**
   * What serving {@code request} may bring into memory, as its stream reserves it before the
   * request is checked: never throws (a negative size reserves nothing, and is refused when
   * the read is served).
   */
  private int roomFor(ReplicaReadRequest request) {
    int max = request.getMaxValueBytes();
    return max == 0 ? limits.maxValueBytes() : Math.max(0, max);
  }

  @Override
  public void rangeSummary(RangeSummaryRequest request, StreamObserver<RangeSummaryReply> reply) {
    answer(reply, () -> {
      checkMember();
      TokenRange range = new TokenRange(request.getStart(), request.getEnd());
      RangeSummaryReply.Builder b = RangeSummaryReply.newBuilder()
          .setCaughtUp(caughtUpOn.test(range));
      if (!request.getFullListing() && RangeDigest.of(engine, range) == request.getDigest()) {
        return b.setInSync(true).build();
      }
      for (KeyVersion kv : RangeDigest.entries(engine, range)) {
        b.addEntries(KeyVersionProto.newBuilder()
            .setKey(kv.key()).setVersion(ValueCodec.toProto(kv.version())));
      }
      return b.build();
    });
  }

  @Override
  public void rangeDigests(RangeDigestsRequest request, StreamObserver<RangeDigestsReply> reply) {
    try {
      checkMember();
      if (request.getRangesCount() > PeerSyncClient.MAX_DIGEST_RANGES) {
        throw new IllegalArgumentException("a digest check may name at most "
            + PeerSyncClient.MAX_DIGEST_RANGES + " ranges, got " + request.getRangesCount());
      }
      scans.execute(() -> answer(reply, () -> {
        RangeDigestsReply.Builder b = RangeDigestsReply.newBuilder();
        for (RangeDigestProto asked : request.getRangesList()) {
          TokenRange range = new TokenRange(asked.getStart(), asked.getEnd());
          RangeDigest.Summary mine = RangeDigest.summarize(engine, range);
          b.addRanges(RangeCheckProto.newBuilder()
              .setInSync(mine.digest() == asked.getDigest())
              .setCaughtUp(caughtUpOn.test(range))
              .setKeys(mine.keys()));
        }
        return b.build();
      }));
    } catch (RejectedExecutionException stopping) {
      reply.onError(Status.UNAVAILABLE.withDescription(nodeId + " is stopping")
          .asRuntimeException());
    } catch (RuntimeException e) {
      reply.onError(StatusMapper.toStatus(nodeId, e));
    }
  }

  @Override
  public void readMany(ReadManyRequest request, StreamObserver<ReadManyReply> reply) {
    answer(reply, () -> {
      checkMember();
      if (request.getKeysCount() > MAX_READ_MANY_KEYS) {
        throw new IllegalArgumentException("a read of many keys may name at most "
            + MAX_READ_MANY_KEYS + ", got " + request.getKeysCount());
      }
      request.getKeysList().forEach(limits::checkKey);
      // One largest record's worth per reply, so that a reply fits any peer's message limit
      // and a batch of large values is never all in memory at once.
      long maxReplyBytes = (long) limits.maxValueBytes() + limits.maxKeyBytes();
      ReadManyReply.Builder b = ReadManyReply.newBuilder();
      long replyBytes = 0;
      int read = 0;
      for (String key : request.getKeysList()) {
        Optional<Record> record = engine.get(key);
        if (record.isPresent()) {
          RecordProto.Builder held = ProtoConverter.toProto(record.get()).toBuilder();
          if (request.getVersionsOnly()) {
            held.clearValue();
          }
          KeyRecordProto kr = KeyRecordProto.newBuilder().setKey(key).setRecord(held).build();
          int size = CodedOutputStream.computeMessageSize(1, kr);
          if (replyBytes > 0 && replyBytes + size > maxReplyBytes) {
            break;
          }
          b.addRecords(kr);
          replyBytes += size;
        }
        read++;
      }
      return b.setKeysRead(read).build();
    });
  }

  private void store(ReplicaWriteRequest request) {
    Record record = ProtoConverter.fromProto(request.getRecord());
    limits.checkRecord(request.getKey(), record, clockMs.getAsLong());
    String hintFor = request.getHintFor().isEmpty() ? null : request.getHintFor();
    if (hintFor != null && tables.get().node(hintFor).isEmpty()) {
      throw new IllegalArgumentException("a hint names " + Names.checkNodeId(hintFor)
          + ", which is not a member of the cluster");
    }
    if (request.getHandover()) {
      if (hintFor != null) {
        throw new IllegalArgumentException("a copy handed over names no hint");
      }
      local.storeCopy(request.getKey(), record);
    } else {
      local.store(request.getKey(), record, hintFor);
    }
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

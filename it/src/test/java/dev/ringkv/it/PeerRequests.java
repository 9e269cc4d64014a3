package dev.ringkv.it;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.RecordProto;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.ReplicaReply;
import dev.ringkv.proto.ReplicaReplyFrame;
import dev.ringkv.proto.ReplicaRequest;
import dev.ringkv.proto.ReplicaRequestFrame;
import dev.ringkv.proto.ReplicaWriteRequest;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.wire.StreamErrors;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Replica requests as a peer sends them, over {@code Replica.Stream}: what a fake member can
 * try.
 */
final class PeerRequests {

  private PeerRequests() {}

  /** A write of {@code value} at version {@code physicalMs}.{@code logical}@{@code writer}. */
  static ReplicaWriteRequest writeOf(String key, String value, long physicalMs, int logical,
      String writer) {
    return ReplicaWriteRequest.newBuilder().setKey(key).setRecord(RecordProto.newBuilder()
        .setVersion(VersionProto.newBuilder().setPhysicalMs(physicalMs).setLogical(logical)
            .setNodeId(writer))
        .setValue(ByteString.copyFromUtf8(value))).build();
  }

  /** Sends {@code write} as the one request of a stream; see {@link #send}. */
  static void write(Channel channel, CallCredentials credentials, ReplicaWriteRequest write)
      throws Exception {
    send(channel, credentials, ReplicaRequest.newBuilder().setWrite(write));
  }

  /** Sends {@code read} as the one request of a stream; see {@link #send}. */
  static void read(Channel channel, CallCredentials credentials, ReplicaReadRequest read)
      throws Exception {
    send(channel, credentials, ReplicaRequest.newBuilder().setRead(read));
  }

  /**
   * Sends {@code request} as the one request of a stream.
   *
   * @param credentials the caller's identity, or null
   * @throws io.grpc.StatusRuntimeException with the node's refusal, if it refused
   */
  private static void send(Channel channel, CallCredentials credentials,
      ReplicaRequest.Builder request) throws Exception {
    ReplicaGrpc.ReplicaStub stub = ReplicaGrpc.newStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS);
    CompletableFuture<Status> outcome = new CompletableFuture<>();
    StreamObserver<ReplicaRequestFrame> requests =
        (credentials == null ? stub : stub.withCallCredentials(credentials))
            .stream(new StreamObserver<>() {
              @Override
              public void onNext(ReplicaReplyFrame frame) {
                ReplicaReply reply = frame.getReplies(0);
                outcome.complete(reply.hasError()
                    ? StreamErrors.toStatus(reply.getError()) : Status.OK);
              }

              @Override
              public void onError(Throwable error) {
                outcome.complete(Status.fromThrowable(error));
              }

              @Override
              public void onCompleted() {
                outcome.complete(Status.UNAVAILABLE.withDescription("stream ended unanswered"));
              }
            });
    requests.onNext(ReplicaRequestFrame.newBuilder().addRequests(request
        .setId(1).setDeadlineMs(System.currentTimeMillis() + 5_000)).build());
    Status status = outcome.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    if (!status.isOk()) {
      throw status.asRuntimeException();
    }
  }
}

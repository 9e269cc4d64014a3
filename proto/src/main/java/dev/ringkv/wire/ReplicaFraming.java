package dev.ringkv.wire;

import dev.ringkv.proto.ReplicaReply;
import dev.ringkv.proto.ReplicaReplyFrame;
import dev.ringkv.proto.ReplicaRequest;
import dev.ringkv.proto.ReplicaRequestFrame;
import io.grpc.Status;
import java.util.List;

/** How {@code Replica.Stream} carries requests and replies, for both of its ends. */
public final class ReplicaFraming implements
    RequestStream.Framing<ReplicaRequest, ReplicaRequestFrame, ReplicaReply, ReplicaReplyFrame>,
    StreamServer.Framing<ReplicaRequest, ReplicaRequestFrame, ReplicaReply, ReplicaReplyFrame> {

  public static final ReplicaFraming INSTANCE = new ReplicaFraming();

  private ReplicaFraming() {}

  @Override
  public ReplicaRequestFrame requestFrame(List<ReplicaRequest> requests) {
    return ReplicaRequestFrame.newBuilder().addAllRequests(requests).build();
  }

  @Override
  public List<ReplicaReply> replies(ReplicaReplyFrame frame) {
    return frame.getRepliesList();
  }

  @Override
  public long id(ReplicaReply reply) {
    return reply.getId();
  }

  @Override
  public int requestSize(ReplicaRequest request) {
    return request.getSerializedSize();
  }

  @Override
  public List<ReplicaRequest> requests(ReplicaRequestFrame frame) {
    return frame.getRequestsList();
  }

  @Override
  public ReplicaReplyFrame replyFrame(List<ReplicaReply> replies) {
    return ReplicaReplyFrame.newBuilder().addAllReplies(replies).build();
  }

  @Override
  public int replySize(ReplicaReply reply) {
    return reply.getSerializedSize();
  }

  @Override
  public ReplicaReply error(ReplicaRequest request, Status status) {
    return ReplicaReply.newBuilder().setId(request.getId())
        .setError(StreamErrors.toProto(status)).build();
  }
}

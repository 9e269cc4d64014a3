package dev.ringkv.wire;

import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import io.grpc.Status;
import java.util.List;

/** How {@code Kv.Stream} carries requests and replies, for both of its ends. */
public final class KvFraming implements
    RequestStream.Framing<KvRequest, KvRequestFrame, KvReply, KvReplyFrame>,
    StreamServer.Framing<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> {

  public static final KvFraming INSTANCE = new KvFraming();

  private KvFraming() {}

  @Override
  public KvRequestFrame requestFrame(List<KvRequest> requests) {
    return KvRequestFrame.newBuilder().addAllRequests(requests).build();
  }

  @Override
  public List<KvReply> replies(KvReplyFrame frame) {
    return frame.getRepliesList();
  }

  @Override
  public long id(KvReply reply) {
    return reply.getId();
  }

  @Override
  public int requestSize(KvRequest request) {
    return request.getSerializedSize();
  }

  @Override
  public List<KvRequest> requests(KvRequestFrame frame) {
    return frame.getRequestsList();
  }

  @Override
  public KvReplyFrame replyFrame(List<KvReply> replies) {
    return KvReplyFrame.newBuilder().addAllReplies(replies).build();
  }

  @Override
  public int replySize(KvReply reply) {
    return reply.getSerializedSize();
  }

  @Override
  public KvReply error(KvRequest request, Status status) {
    return KvReply.newBuilder().setId(request.getId())
        .setError(StreamErrors.toProto(status)).build();
  }
}

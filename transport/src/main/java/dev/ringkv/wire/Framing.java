package dev.ringkv.wire;

import com.google.protobuf.MessageLite;
import dev.ringkv.proto.ErrorProto;
import dev.ringkv.proto.KvReply;
import dev.ringkv.proto.KvReplyFrame;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.KvRequestFrame;
import dev.ringkv.proto.ReplicaReply;
import dev.ringkv.proto.ReplicaReplyFrame;
import dev.ringkv.proto.ReplicaRequest;
import dev.ringkv.proto.ReplicaRequestFrame;
import io.grpc.Status;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * How one streaming service carries requests and replies in frames, for both ends of its
 * streams: {@link #KV} for clients' requests, {@link #REPLICA} for coordinators' requests to
 * their peers.
 *
 * @param <Q> a request
 * @param <F> a frame of requests
 * @param <P> a reply
 * @param <G> a frame of replies
 */
public final class Framing<Q extends MessageLite, F, P extends MessageLite, G> implements
    RequestStream.Framing<Q, F, P, G>, StreamServer.Framing<Q, F, P, G> {

  public static final Framing<KvRequest, KvRequestFrame, KvReply, KvReplyFrame> KV =
      new Framing<>(
          requests -> KvRequestFrame.newBuilder().addAllRequests(requests).build(),
          KvRequestFrame::getRequestsList,
          replies -> KvReplyFrame.newBuilder().addAllReplies(replies).build(),
          KvReplyFrame::getRepliesList,
          KvReply::getId,
          reply -> reply.hasError() ? reply.getError() : null,
          (request, error) -> KvReply.newBuilder().setId(request.getId()).setError(error).build(),
          KvRequest::getDeadlineMs);

  public static final Framing<ReplicaRequest, ReplicaRequestFrame, ReplicaReply,
      ReplicaReplyFrame> REPLICA = new Framing<>(
          requests -> ReplicaRequestFrame.newBuilder().addAllRequests(requests).build(),
          ReplicaRequestFrame::getRequestsList,
          replies -> ReplicaReplyFrame.newBuilder().addAllReplies(replies).build(),
          ReplicaReplyFrame::getRepliesList,
          ReplicaReply::getId,
          reply -> reply.hasError() ? reply.getError() : null,
          (request, error) -> ReplicaReply.newBuilder().setId(request.getId()).setError(error)
              .build(),
          ReplicaRequest::getDeadlineMs);

  private final Function<List<Q>, F> requestFrame;
  private final Function<F, List<Q>> requests;
  private final Function<List<P>, G> replyFrame;
  private final Function<G, List<P>> replies;
  private final ToLongFunction<P> replyId;
  private final Function<P, ErrorProto> errorOf;
  private final BiFunction<Q, ErrorProto, P> error;
  private final ToLongFunction<Q> deadline;

  private Framing(Function<List<Q>, F> requestFrame, Function<F, List<Q>> requests,
      Function<List<P>, G> replyFrame, Function<G, List<P>> replies, ToLongFunction<P> replyId,
      Function<P, ErrorProto> errorOf, BiFunction<Q, ErrorProto, P> error,
      ToLongFunction<Q> deadline) {
    this.requestFrame = requestFrame;
    this.requests = requests;
    this.replyFrame = replyFrame;
    this.replies = replies;
    this.replyId = replyId;
    this.errorOf = errorOf;
    this.error = error;
    this.deadline = deadline;
  }

  @Override
  public F requestFrame(List<Q> batch) {
    return requestFrame.apply(batch);
  }

  @Override
  public List<Q> requests(F frame) {
    return requests.apply(frame);
  }

  @Override
  public G replyFrame(List<P> batch) {
    return replyFrame.apply(batch);
  }

  @Override
  public List<P> replies(G frame) {
    return replies.apply(frame);
  }

  @Override
  public long id(P reply) {
    return replyId.applyAsLong(reply);
  }

  @Override
  public Status failure(P reply) {
    ErrorProto error = errorOf.apply(reply);
    return error == null ? null : StreamErrors.toStatus(error);
  }

  @Override
  public int requestSize(Q request) {
    return request.getSerializedSize();
  }

  @Override
  public int replySize(P reply) {
    return reply.getSerializedSize();
  }

  @Override
  public long deadlineMs(Q request) {
    return deadline.applyAsLong(request);
  }

  @Override
  public P error(Q request, Status status) {
    return error.apply(request, StreamErrors.toProto(status));
  }
}

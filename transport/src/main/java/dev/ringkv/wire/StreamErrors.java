package dev.ringkv.wire;

import dev.ringkv.proto.ErrorProto;
import io.grpc.Status;

/** A streamed request's failure travels as an {@link ErrorProto}: a status code and sentence. */
public final class StreamErrors {

  private StreamErrors() {}

  public static ErrorProto toProto(Status status) {
    ErrorProto.Builder b = ErrorProto.newBuilder().setCode(status.getCode().value());
    if (status.getDescription() != null) {
      b.setDescription(status.getDescription());
    }
    return b.build();
  }

  /** The failure as if a single call had failed with it. */
  public static Status toStatus(ErrorProto error) {
    return Status.fromCodeValue(error.getCode()).withDescription(error.getDescription());
  }
}

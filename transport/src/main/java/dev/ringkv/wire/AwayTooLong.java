package dev.ringkv.wire;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.OptionalLong;

/**
 * The manager's refusal to take back a node that was DOWN for longer than the node allows itself
 * (it may hold keys whose deletes the others purged meanwhile): FAILED_PRECONDITION, with how
 * long the node was DOWN in a trailer, so that the node can tell it from any other refusal.
 */
public final class AwayTooLong {

  public static final Metadata.Key<String> DOWN_FOR_KEY =
      Metadata.Key.of("ringkv-down-for-ms", Metadata.ASCII_STRING_MARSHALLER);

  private AwayTooLong() {}

  /** The refusal: FAILED_PRECONDITION with {@code message}, and {@code downForMs}. */
  public static StatusRuntimeException refusal(String message, long downForMs) {
    Metadata trailers = new Metadata();
    trailers.put(DOWN_FOR_KEY, Long.toString(downForMs));
    return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException(trailers);
  }

  /** How long the node was DOWN, if {@code e} is this refusal. */
  public static OptionalLong downForMs(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    String value = trailers == null ? null : trailers.get(DOWN_FOR_KEY);
    if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION || value == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(value));
    } catch (NumberFormatException malformed) {
      return OptionalLong.empty();
    }
  }
}

package dev.ringkv.wire;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A manager that does not lead the managers' group refuses changes (registration, heartbeats,
 * the operator's changes) as UNAVAILABLE, naming the leader's address in a trailer, so that the
 * caller asks the leader next; {@link #ask} is how callers go round the managers.
 */
public final class ManagerRedirect {

  public static final Metadata.Key<String> LEADER_KEY =
      Metadata.Key.of("ringkv-manager-leader", Metadata.ASCII_STRING_MARSHALLER);

  private ManagerRedirect() {}

  /** The refusal: UNAVAILABLE with {@code message}, and the leader's address if known. */
  public static StatusRuntimeException notLeader(String message, Optional<String> leader) {
    Metadata trailers = new Metadata();
    leader.ifPresent(a -> trailers.put(LEADER_KEY, a));
    return Status.UNAVAILABLE.withDescription(message).asRuntimeException(trailers);
  }

  /** An answer, and the index of the manager that gave it (to ask first next time). */
  public record Answer<T>(T value, int index) {}

  /**
   * Calls the manager at {@code first}, then the leader a refusal names or else the next
   * manager, each at most once, while they are down, slow or not the leader.
   *
   * @throws StatusRuntimeException any other refusal at once, or the last one
   */
  public static <T> Answer<T> ask(List<String> addresses, int first, Function<String, T> call) {
    StatusRuntimeException last = null;
    int index = first;
    for (int attempt = 0; attempt <= addresses.size(); attempt++) {
      try {
        return new Answer<>(call.apply(addresses.get(index)), index);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
        last = e;
        int named = leaderOf(e).map(addresses::indexOf).orElse(-1);
        index = named >= 0 ? named : (index + 1) % addresses.size();
      }
    }
    throw last;
  }

  /** The leader a refusal names, if it names one. */
  public static Optional<String> leaderOf(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(LEADER_KEY));
  }
}

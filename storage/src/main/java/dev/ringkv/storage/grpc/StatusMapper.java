package dev.ringkv.storage.grpc;

import dev.ringkv.storage.coordinator.OverloadedException;
import dev.ringkv.storage.coordinator.PastHorizonException;
import dev.ringkv.storage.coordinator.UnavailableException;
import dev.ringkv.storage.engine.StorageException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one place where a storage node's failures become gRPC status codes. */
final class StatusMapper {

  private StatusMapper() {}

  static StatusRuntimeException toStatus(String nodeId, Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    Status status;
    if (e instanceof IllegalArgumentException) {
      status = Status.INVALID_ARGUMENT.withDescription(e.getMessage());
    } else if (e instanceof PastHorizonException) {
      status = Status.FAILED_PRECONDITION.withDescription(nodeId + ": " + e.getMessage());
    } else if (e instanceof OverloadedException) {
      status = Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
    } else if (e instanceof UnavailableException) {
      status = Status.UNAVAILABLE.withDescription(nodeId + ": " + e.getMessage());
    } else if (e instanceof StorageException) {
      status = Status.INTERNAL.withDescription(nodeId + ": local store failed: " + e.getMessage());
    } else if (e instanceof StatusRuntimeException s) {
      return s;
    } else {
      status = Status.INTERNAL.withDescription(nodeId + ": unexpected " + e);
    }
    return status.asRuntimeException();
  }
}

package dev.ringkv.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A failure a command line reports as one sentence ({@code error: ...}) and ends with its own
 * exit code (see {@link ExitCode#commandLine}).
 */
final class CliFailure extends RuntimeException {

  final ExitCode exit;

  CliFailure(ExitCode exit, String sentence) {
    super(sentence);
    this.exit = exit;
  }

  /** {@code what} could not be done because the cluster refused or did not answer the call. */
  static CliFailure of(String what, StatusRuntimeException e) {
    Status status = e.getStatus();
    String reason = status.getDescription() != null ? status.getDescription()
        : status.getCode().toString();
    ExitCode exit = switch (status.getCode()) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND -> ExitCode.INVALID_ARGUMENT;
      case UNAVAILABLE -> ExitCode.NO_CLUSTER;
      case DEADLINE_EXCEEDED -> ExitCode.DEADLINE_EXCEEDED;
      case UNAUTHENTICATED, PERMISSION_DENIED -> ExitCode.UNAUTHENTICATED;
      default -> ExitCode.INTERNAL;
    };
    return new CliFailure(exit, what + ": " + reason);
  }
}

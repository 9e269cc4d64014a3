package dev.ringkv.client.cli;

import dev.ringkv.client.KvException;

/** The command-line client's exit codes, one per kind of outcome (documented in the README). */
public enum ExitCode {
  OK(0),
  NOT_FOUND(1),
  USAGE(2),
  UNAVAILABLE(3),
  INVALID_ARGUMENT(4),
  DEADLINE_EXCEEDED(5),
  NO_CLUSTER(6),
  UNAUTHENTICATED(7),
  INTERNAL(8);

  public final int code;

  ExitCode(int code) {
    this.code = code;
  }

  static ExitCode of(KvException.Reason reason) {
    return switch (reason) {
      case INVALID_ARGUMENT -> INVALID_ARGUMENT;
      case UNAVAILABLE -> UNAVAILABLE;
      case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
      case NO_CLUSTER -> NO_CLUSTER;
      case UNAUTHENTICATED -> UNAUTHENTICATED;
      case INTERNAL -> INTERNAL;
    };
  }
}

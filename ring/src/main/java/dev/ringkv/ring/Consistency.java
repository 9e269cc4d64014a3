package dev.ringkv.ring;

/** How many replicas must answer before a request succeeds. */
public enum Consistency {
  ONE,
  QUORUM,
  ALL;

  /** Replicas that must acknowledge for a replication factor of {@code rf}. */
  public int required(int rf) {
    if (rf < 1) {
      throw new IllegalArgumentException("replication factor must be at least 1, got " + rf);
    }
    return switch (this) {
      case ONE -> 1;
      case QUORUM -> rf / 2 + 1;
      case ALL -> rf;
    };
  }

  /** Parses {@code one}, {@code QUORUM}, ... case-insensitively, naming the bad value. */
  public static Consistency parse(String text) {
    for (Consistency c : values()) {
      if (c.name().equalsIgnoreCase(text)) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown consistency level '" + text + "' (expected ONE, QUORUM or ALL)");
  }
}

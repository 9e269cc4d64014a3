package dev.ringkv.manager.membership;

/**
 * A DOWN node asked to be taken back after it was DOWN for longer than it allows itself: it may
 * hold keys whose deletes the others purged meanwhile, so it stays DOWN.
 */
public final class AwayTooLongException extends RuntimeException {

  private final long downForMs;

  AwayTooLongException(String nodeId, long downForMs, long maxDownMs) {
    super("node " + nodeId + " was DOWN for " + downForMs + " ms, longer than the " + maxDownMs
        + " ms it may be away and keep what it holds: it must start over empty");
    this.downForMs = downForMs;
  }

  public long downForMs() {
    return downForMs;
  }
}

package dev.ringkv.ring;

/** Liveness of a storage node as the manager last judged it. */
public enum NodeState {
  UP,
  DOWN,
  /**
   * Being decommissioned: alive, but no longer a replica of anything (its tokens are off the
   * ring) while it hands its keys to their new replicas; then it is removed.
   */
  LEAVING
}

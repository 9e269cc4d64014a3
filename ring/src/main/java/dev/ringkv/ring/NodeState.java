package dev.ringkv.ring;

/** Liveness of a storage node as the manager last judged it. */
public enum NodeState {
  UP,
  DOWN
}

package dev.ringkv.manager.membership;

/**
 * Who may join: whether ids the manager has never seen are admitted at all, and how many nodes
 * the cluster may have. Known ids may always come back.
 *
 * @param allowJoin admit new node ids (off: membership is frozen, and a stranger that registers
 *     is refused)
 * @param maxNodes the most nodes the table may hold
 */
public record JoinPolicy(boolean allowJoin, int maxNodes) {

  public JoinPolicy {
    if (maxNodes < 1 || maxNodes > 1024) {
      throw new IllegalArgumentException("max nodes must be 1-1024, got " + maxNodes);
    }
  }

  /** Open to new nodes, up to 256. */
  public static JoinPolicy open() {
    return new JoinPolicy(true, 256);
  }
}

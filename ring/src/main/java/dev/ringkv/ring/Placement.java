package dev.ringkv.ring;

/**
 * One entry of a key's preference list: the node to write to, and, when that node is a fallback
 * standing in for a DOWN home replica, the id of that home replica (the hint target).
 */
public record Placement(Node node, String hintFor) {

  public static Placement home(Node node) {
    return new Placement(node, null);
  }

  public static Placement fallback(Node node, String homeReplicaId) {
    return new Placement(node, homeReplicaId);
  }

  public boolean isFallback() {
    return hintFor != null;
  }
}

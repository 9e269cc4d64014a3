package dev.ringkv.version;

import java.util.Objects;

/**
 * A hybrid-logical-clock timestamp: wall-clock milliseconds, a logical counter for events within
 * the same millisecond, and the stamping node's id as the final tie break. Totally ordered.
 */
public record Version(long physicalMs, int logical, String nodeId) implements Comparable<Version> {

  public Version {
    Objects.requireNonNull(nodeId, "nodeId");
    if (logical < 0) {
      throw new IllegalArgumentException("logical counter must not be negative, got " + logical);
    }
  }

  @Override
  public int compareTo(Version other) {
    // Written out rather than a Comparator chain: every replica write compares versions.
    if (physicalMs != other.physicalMs) {
      return Long.compare(physicalMs, other.physicalMs);
    }
    if (logical != other.logical) {
      return Integer.compare(logical, other.logical);
    }
    return nodeId.compareTo(other.nodeId);
  }

  public boolean isNewerThan(Version other) {
    return other == null || compareTo(other) > 0;
  }

  @Override
  public String toString() {
    return physicalMs + "." + logical + "@" + nodeId;
  }
}

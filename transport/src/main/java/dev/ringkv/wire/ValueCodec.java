package dev.ringkv.wire;

import dev.ringkv.proto.ConsistencyProto;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.ring.Consistency;
import dev.ringkv.version.Version;

/** Versions and consistency levels on the wire: what clients and nodes both send. */
public final class ValueCodec {

  private ValueCodec() {}

  public static VersionProto toProto(Version v) {
    return VersionProto.newBuilder()
        .setPhysicalMs(v.physicalMs()).setLogical(v.logical()).setNodeId(v.nodeId()).build();
  }

  public static Version fromProto(VersionProto v) {
    return new Version(v.getPhysicalMs(), v.getLogical(), v.getNodeId());
  }

  public static ConsistencyProto toProto(Consistency level) {
    return switch (level) {
      case ONE -> ConsistencyProto.ONE;
      case QUORUM -> ConsistencyProto.QUORUM;
      case ALL -> ConsistencyProto.ALL;
    };
  }

  /**
   * UNSPECIFIED means the default, QUORUM.
   *
   * @throws IllegalArgumentException for a level this version does not know
   */
  public static Consistency fromProto(ConsistencyProto c) {
    return switch (c) {
      case ONE -> Consistency.ONE;
      case QUORUM, CONSISTENCY_UNSPECIFIED -> Consistency.QUORUM;
      case ALL -> Consistency.ALL;
      case UNRECOGNIZED -> throw new IllegalArgumentException(
          "unknown consistency level (expected ONE, QUORUM or ALL)");
    };
  }
}

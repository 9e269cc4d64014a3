package dev.ringkv.storage.grpc;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.ConsistencyProto;
import dev.ringkv.proto.RecordProto;
import dev.ringkv.proto.VersionProto;
import dev.ringkv.ring.Consistency;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;

/** Wire messages to domain values and back, for the storage node. */
final class ProtoConverter {

  private ProtoConverter() {}

  static VersionProto toProto(Version v) {
    return VersionProto.newBuilder()
        .setPhysicalMs(v.physicalMs()).setLogical(v.logical()).setNodeId(v.nodeId()).build();
  }

  static Version fromProto(VersionProto v) {
    return new Version(v.getPhysicalMs(), v.getLogical(), v.getNodeId());
  }

  static RecordProto toProto(Record r) {
    return RecordProto.newBuilder()
        .setVersion(toProto(r.version()))
        .setTombstone(r.isTombstone())
        .setValue(ByteString.copyFrom(r.value()))
        .build();
  }

  /** @throws IllegalArgumentException if the record carries no version */
  static Record fromProto(RecordProto r) {
    if (!r.hasVersion()) {
      throw new IllegalArgumentException("record has no version");
    }
    Version version = fromProto(r.getVersion());
    return r.getTombstone() ? Record.tombstone(version)
        : Record.value(version, r.getValue().toByteArray());
  }

  /** UNSPECIFIED means the default, QUORUM. */
  static Consistency fromProto(ConsistencyProto c) {
    return switch (c) {
      case ONE -> Consistency.ONE;
      case QUORUM, CONSISTENCY_UNSPECIFIED -> Consistency.QUORUM;
      case ALL -> Consistency.ALL;
      case UNRECOGNIZED -> throw new IllegalArgumentException(
          "unknown consistency level (expected ONE, QUORUM or ALL)");
    };
  }
}

package dev.ringkv.storage.grpc;

import com.google.protobuf.ByteString;
import dev.ringkv.proto.RecordProto;
import dev.ringkv.proto.ReplicaReadReply;
import dev.ringkv.storage.coordinator.ReplicaAnswer;
import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;
import dev.ringkv.wire.ValueCodec;
import java.util.Optional;

/** Wire messages to domain values and back, for the storage node. */
final class ProtoConverter {

  private ProtoConverter() {}

  static RecordProto toProto(Record r) {
    return RecordProto.newBuilder()
        .setVersion(ValueCodec.toProto(r.version()))
        .setTombstone(r.isTombstone())
        .setValue(ByteString.copyFrom(r.value()))
        .build();
  }

  /** @throws IllegalArgumentException if the record carries no version */
  static Record fromProto(RecordProto r) {
    if (!r.hasVersion()) {
      throw new IllegalArgumentException("record has no version");
    }
    Version version = ValueCodec.fromProto(r.getVersion());
    return r.getTombstone() ? Record.tombstone(version)
        : Record.value(version, r.getValue().toByteArray());
  }

  static ReplicaReadReply toProto(ReplicaAnswer answer) {
    ReplicaReadReply.Builder b = ReplicaReadReply.newBuilder()
        .setFound(answer.version().isPresent())
        .setCaughtUp(answer.caughtUp());
    answer.record().ifPresent(r -> b.setRecord(toProto(r)));
    answer.withheld().ifPresent(w -> b
        .setRecord(RecordProto.newBuilder().setVersion(ValueCodec.toProto(w.version())))
        .setWithheldValueBytes(w.valueBytes()));
    return b.build();
  }

  /**
   * @param maxValueBytes the most the read asked for
   * @throws IllegalArgumentException if the answer carries a larger value, or withholds a value
   *     that would have fit
   */
  static ReplicaAnswer fromProto(ReplicaReadReply r, int maxValueBytes) {
    if (!r.getFound()) {
      return new ReplicaAnswer(Optional.empty(), Optional.empty(), r.getCaughtUp());
    }
    if (r.getWithheldValueBytes() > 0) {
      if (r.getWithheldValueBytes() <= maxValueBytes || !r.getRecord().hasVersion()) {
        throw new IllegalArgumentException("a replica withheld a value it should have sent");
      }
      ReplicaAnswer.Withheld withheld = new ReplicaAnswer.Withheld(
          ValueCodec.fromProto(r.getRecord().getVersion()), r.getWithheldValueBytes());
      return new ReplicaAnswer(Optional.empty(), Optional.of(withheld), r.getCaughtUp());
    }
    if (r.getRecord().getValue().size() > maxValueBytes) {
      throw new IllegalArgumentException("a replica sent a value of "
          + r.getRecord().getValue().size() + " bytes to a read that had room for "
          + maxValueBytes);
    }
    return new ReplicaAnswer(Optional.of(fromProto(r.getRecord())), Optional.empty(),
        r.getCaughtUp());
  }
}

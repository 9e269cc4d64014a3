package dev.ringkv.storage.coordinator;

import dev.ringkv.storage.engine.Record;
import dev.ringkv.version.Version;
import java.util.Optional;

/**
 * A replica's answer to a read: what it holds, and whether it has caught up on the key's range
 * (only then does the answer count toward a read quorum). A value larger than the reader made
 * room for is withheld: the answer then names only its version and size, and the reader asks
 * again once it has room.
 *
 * @param record the record held, with its value; empty if none is held or it is withheld
 * @param withheld the record whose value was left out, if one was
 */
public record ReplicaAnswer(Optional<Record> record, Optional<Withheld> withheld,
    boolean caughtUp) {

  /** A record whose value was left out of an answer: its version and the value's size. */
  public record Withheld(Version version, int valueBytes) {}

  public ReplicaAnswer {
    if (record.isPresent() && withheld.isPresent()) {
      throw new IllegalArgumentException("an answer either carries its record or withholds it");
    }
  }

  /** The answer holding {@code record}, its value withheld if over {@code maxValueBytes}. */
  public static ReplicaAnswer of(Optional<Record> record, boolean caughtUp, int maxValueBytes) {
    if (record.isPresent() && !record.get().isTombstone()
        && record.get().value().length > maxValueBytes) {
      Withheld withheld = new Withheld(record.get().version(), record.get().value().length);
      return new ReplicaAnswer(Optional.empty(), Optional.of(withheld), caughtUp);
    }
    return new ReplicaAnswer(record, Optional.empty(), caughtUp);
  }

  /** The version of what the replica holds, whether or not its value came along. */
  public Optional<Version> version() {
    return record.map(Record::version).or(() -> withheld.map(Withheld::version));
  }
}

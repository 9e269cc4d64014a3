package dev.ringkv.storage.coordinator;

import dev.ringkv.storage.engine.Record;
import java.util.Optional;

/**
 * A replica's answer to a read: what it holds, and whether it has caught up on the key's range
 * (only then does the answer count toward a read quorum).
 */
public record ReplicaAnswer(Optional<Record> record, boolean caughtUp) {}

package dev.ringkv.manager.replication;

import dev.ringkv.proto.TableChange;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;

/**
 * The one rule by which the managers' log changes the table, the same on every manager: a change
 * applies only on top of the table it was made from, to the same cluster, with a higher epoch.
 * So a manager that lost its leadership mid-change cannot overwrite what its successor
 * published, and the epoch never goes back.
 */
public final class TableChanges {

  private TableChanges() {}

  public static TableChange of(RingTable replacing, RingTable table) {
    return TableChange.newBuilder()
        .setReplacesEpoch(replacing == null ? -1 : replacing.epoch())
        .setTable(TableCodec.toProto(table))
        .build();
  }

  /**
   * Why {@code change} does not apply to {@code current} (null: no table yet), or null if it
   * does.
   */
  public static String refusal(RingTable current, TableChange change, RingTable next) {
    if (current == null) {
      return change.getReplacesEpoch() == -1 ? null
          : "it replaces epoch " + change.getReplacesEpoch() + ", but there is no table yet";
    }
    if (!current.clusterId().equals(next.clusterId())) {
      return "it is a table of cluster " + next.clusterId() + ", not of " + current.clusterId();
    }
    if (change.getReplacesEpoch() != current.epoch()) {
      return "it replaces epoch " + change.getReplacesEpoch() + ", but the table is at epoch "
          + current.epoch();
    }
    if (next.epoch() <= current.epoch()) {
      return "its epoch " + next.epoch() + " is not above " + current.epoch();
    }
    return null;
  }
}

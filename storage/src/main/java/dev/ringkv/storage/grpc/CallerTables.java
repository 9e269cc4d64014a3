package dev.ringkv.storage.grpc;

import dev.ringkv.proto.RingTableProto;
import dev.ringkv.proto.TableRef;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import io.grpc.Status;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a node tells a client about tables, by the one rule of which table wins
 * ({@link RingTable#supersedes}): a request routed with a newer table than the node's is
 * refused, and a caller behind the node's table is handed it with the reply.
 */
final class CallerTables {

  private final String nodeId;
  private final Supplier<RingTable> tables;
  private final Runnable refreshTable;
  private volatile TableMessage lastTableMessage;

  /**
   * @param refreshTable asks for this node's table to be refreshed soon; called when a client
   *     shows a newer table than the node has
   */
  CallerTables(String nodeId, Supplier<RingTable> tables, Runnable refreshTable) {
    this.nodeId = nodeId;
    this.tables = tables;
    this.refreshTable = refreshTable;
  }

  /**
   * A coordinator must not route with an older table than its client: it could miss replicas
   * that joined or came back. It refuses (retryable) and fetches the newer table at once.
   *
   * @return why the request is refused, or null if this node's table is recent enough
   */
  Status refusal(TableRef callerTable) {
    RingTable table = tables.get();
    String problem = null;
    if (table.epoch() == 0) {
      problem = nodeId + " has not joined the cluster yet";
    } else if (table.isOlderThan(callerTable.getClusterId(), callerTable.getEpoch())) {
      problem = nodeId + " has table epoch " + table.epoch() + ", older than the caller's "
          + callerTable.getEpoch() + "; retry shortly";
    }
    if (problem == null) {
      return null;
    }
    refreshTable.run();
    return Status.FAILED_PRECONDITION.withDescription(problem);
  }

  /** This node's table, if the caller should switch to it (never before the node has joined). */
  Optional<RingTableProto> newerThan(TableRef callerTable) {
    RingTable table = tables.get();
    return table.epoch() > 0
        && table.supersedes(callerTable.getClusterId(), callerTable.getEpoch())
        ? Optional.of(protoOf(table)) : Optional.empty();
  }

  /** A table's message, built once per table however many callers are behind. */
  private RingTableProto protoOf(RingTable table) {
    TableMessage last = lastTableMessage;
    if (last == null || last.table() != table) {
      last = new TableMessage(table, TableCodec.toProto(table));
      lastTableMessage = last;
    }
    return last.message();
  }

  private record TableMessage(RingTable table, RingTableProto message) {}
}

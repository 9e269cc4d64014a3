package dev.ringkv.storage.grpc;

import dev.ringkv.proto.GetRequest;
import dev.ringkv.proto.KvRequest;
import dev.ringkv.proto.PutRequest;
import dev.ringkv.storage.coordinator.Coordinator;
import dev.ringkv.wire.StreamServer;
import java.util.function.ToLongFunction;

/**
 * What serving a client's request brings into memory beyond the request itself, held of the
 * in-flight budget from the start: a read, its replicas' first answers; a write, its value's
 * copies for the replicas, at most what leaves it room to be served alone (so the budget never
 * refuses the largest write for good). Single calls and streamed requests ({@link KvRequest})
 * reserve alike.
 */
final class ClientReservation implements ToLongFunction<Object> {

  private final Coordinator coordinator;
  private final long maxAdmitBytes;

  /** @param maxAdmitBytes the most a request may hold when it is admitted */
  ClientReservation(Coordinator coordinator, long maxAdmitBytes) {
    this.coordinator = coordinator;
    this.maxAdmitBytes = maxAdmitBytes;
  }

  @Override
  public long applyAsLong(Object request) {
    if (request instanceof KvRequest streamed) {
      return streamed.hasGet() ? applyAsLong(streamed.getGet())
          : streamed.hasPut() ? applyAsLong(streamed.getPut()) : 0;
    }
    if (request instanceof GetRequest) {
      return coordinator.firstAnswersBytes();
    }
    if (request instanceof PutRequest put) {
      long room = maxAdmitBytes - StreamServer.BOOKKEEPING_BYTES - put.getSerializedSize();
      return Math.max(0, Math.min(room, coordinator.writeCopiesBytes(put.getValue().size())));
    }
    return 0;
  }
}

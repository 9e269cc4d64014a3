package dev.ringkv.manager.replication;

import dev.ringkv.manager.membership.FileStateStore;
import dev.ringkv.manager.membership.StateStore;
import dev.ringkv.ring.RingTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The leader's {@link StateStore}: a table is saved once a majority of the managers have logged
 * the change and this manager has applied it. A data dir from before the managers were
 * replicated (its state file) is taken over as the group's first table.
 */
final class RaftStateStore implements StateStore {

  private final RaftServer server;
  private final RaftGroupId group;
  private final TableStateMachine machine;
  private final FileStateStore legacy;
  private final long timeoutMs;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  RaftStateStore(RaftServer server, RaftGroupId group, TableStateMachine machine, Path dataDir,
      long timeoutMs) {
    this.server = server;
    this.group = group;
    this.machine = machine;
    this.legacy = new FileStateStore(dataDir);
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Optional<RingTable> load() throws IOException {
    RingTable table = machine.table();
    if (table != null) {
      return Optional.of(table);
    }
    Optional<RingTable> old = legacy.load();
    if (old.isPresent()) {
      save(null, old.get());
    }
    return old;
  }

  @Override
  public void save(RingTable replacing, RingTable table) throws IOException {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(server.getId())
        .setGroupId(group)
        .setCallId(callIds.incrementAndGet())
        .setMessage(Message.valueOf(
            ByteString.copyFrom(TableChanges.of(replacing, table).toByteArray())))
        .setType(RaftClientRequest.writeRequestType())
        .setTimeoutMs(timeoutMs)
        .build();
    RaftClientReply reply;
    try {
      reply = server.submitClientRequestAsync(request).get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the managers logged epoch " + table.epoch(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("the managers did not log epoch " + table.epoch() + " within "
          + timeoutMs + " ms (is a majority of them up?)", e);
    }
    if (!reply.isSuccess()) {
      throw new IOException("the managers did not log epoch " + table.epoch() + ": "
          + reply.getException().getMessage(), reply.getException());
    }
    String outcome = reply.getMessage().getContent().toStringUtf8();
    if (!outcome.equals(TableStateMachine.APPLIED)) {
      throw new IOException("epoch " + table.epoch() + " was not applied: " + outcome);
    }
  }
}

package dev.ringkv.manager.replication;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ringkv.manager.membership.FileStateStore;
import dev.ringkv.proto.TableChange;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Each manager's copy of the replicated state: the table, changed only by applying the log's
 * {@link TableChange}s in order under {@link TableChanges}' rule. Every manager answers table
 * reads from it. A snapshot is the table in {@link FileStateStore}'s format. Leadership events go
 * to a {@link LeadershipListener}.
 */
final class TableStateMachine extends BaseStateMachine {

  static final String APPLIED = "applied";

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final LeadershipListener leadership;
  private volatile RingTable table;
  private volatile RaftPeerId leader;

  TableStateMachine(LeadershipListener leadership) {
    this.leadership = leadership;
  }

  /** The table as of the last applied change; null before the first. */
  RingTable table() {
    return table;
  }

  /** The group's leader as last heard of; null if none is known. */
  RaftPeerId leader() {
    return leader;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    reinitialize();
  }

  @Override
  public void reinitialize() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.getLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    File file = snapshot.getFile().getPath().toFile();
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
    }
    RingTable loaded = FileStateStore.read(file.toPath());
    synchronized (this) {
      table = loaded;
      updateLastAppliedTermIndex(snapshot.getTermIndex());
    }
  }

  @Override
  public long takeSnapshot() throws IOException {
    RingTable current;
    TermIndex last;
    synchronized (this) {
      current = table;
      last = getLastAppliedTermIndex();
    }
    if (current == null || last == null) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Files.createDirectories(file.toPath().getParent());
    FileStateStore.write(file.toPath(), current);
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
        new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file)), last));
    return last.getIndex();
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /** Applies a change if {@link TableChanges} allows it; answers {@link #APPLIED} or why not. */
  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    String outcome;
    synchronized (this) {
      outcome = apply(entry.getStateMachineLogEntry().getLogData().toByteArray());
      updateLastAppliedTermIndex(TermIndex.valueOf(entry));
    }
    return CompletableFuture.completedFuture(Message.valueOf(outcome));
  }

  private String apply(byte[] data) {
    RingTable next;
    TableChange change;
    try {
      change = TableChange.parseFrom(data);
      next = TableCodec.fromProto(change.getTable());
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return "the change is malformed: " + e.getMessage();
    }
    String refusal = TableChanges.refusal(table, change, next);
    if (refusal != null) {
      return refusal;
    }
    table = next;
    return APPLIED;
  }

  @Override
  public void notifyLeaderReady() {
    leader = getId();
    leadership.gained();
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    leadership.lost();
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
    leader = newLeader;
    if (!member.getPeerId().equals(newLeader)) {
      leadership.lost();
    }
  }
}

package dev.ringkv.manager.replication;

import dev.ringkv.manager.membership.StateStore;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This manager's member of the managers' Raft group, on Apache Ratis: the log of table changes,
 * leader election and snapshots, kept under {@code DATA_DIR/raft}. A single manager is a group
 * of one, which elects itself.
 */
public final class ManagerGroup implements AutoCloseable {

  // Every manager of every cluster uses the same group id: a group is told apart by its members.
  private static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(
      UUID.nameUUIDFromBytes("ringkv-managers".getBytes(StandardCharsets.UTF_8)));
  private static final long SAVE_TIMEOUT_MS = 3_000;

  private final GroupMember self;
  private final Map<String, GroupMember> members;
  private final RaftServer server;
  private final TableStateMachine machine;
  private final RaftStateStore store;

  private ManagerGroup(GroupMember self, Map<String, GroupMember> members, RaftServer server,
      TableStateMachine machine, Path dataDir) {
    this.self = self;
    this.members = members;
    this.server = server;
    this.machine = machine;
    this.store = new RaftStateStore(server, GROUP_ID, machine, dataDir, SAVE_TIMEOUT_MS);
  }

  /**
   * Starts this manager's member of the group {@code members}, which must name {@code self}.
   *
   * @param electionTimeoutMs how long followers wait for the leader before electing another (a
   *     random time between this and twice this)
   * @param tls the managers' certificate, to speak Raft over mutual TLS with; null: plaintext
   */
  public static ManagerGroup start(String self, List<GroupMember> members, Path dataDir,
      long electionTimeoutMs, TlsFiles tls, LeadershipListener leadership) throws IOException {
    Map<String, GroupMember> byId = members.stream()
        .collect(Collectors.toMap(GroupMember::id, Function.identity(), (a, b) -> {
          throw new IllegalArgumentException("manager " + a.id() + " is named twice");
        }, java.util.LinkedHashMap::new));
    GroupMember me = byId.get(self);
    if (me == null) {
      throw new IllegalArgumentException("the managers' group " + byId.keySet()
          + " does not include this manager, " + self);
    }
    RaftProperties properties = new RaftProperties();
    Path raftDir = dataDir.resolve("raft");
    RaftServerConfigKeys.setStorageDir(properties, List.of(raftDir.toFile()));
    GrpcConfigKeys.Server.setHost(properties, me.host());
    GrpcConfigKeys.Server.setPort(properties, me.raftPort());
    TimeDuration timeout = TimeDuration.valueOf(electionTimeoutMs, TimeUnit.MILLISECONDS);
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, timeout);
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, timeout.multiply(2));
    if (byId.size() == 1) {
      // Alone, it has nobody to wait for: it elects itself at once.
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties,
          TimeDuration.valueOf(10, TimeUnit.MILLISECONDS));
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties,
          TimeDuration.valueOf(20, TimeUnit.MILLISECONDS));
    }
    // The table is small and changes rarely: a snapshot now and then keeps the log short.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, 1_000);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("4MB"));
    RaftServerConfigKeys.Log.setPreallocatedSize(properties, SizeInBytes.valueOf("64KB"));
    TableStateMachine machine = new TableStateMachine(leadership);
    Parameters parameters = new Parameters();
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(parameters, RaftTls.of(tls));
    }
    RaftServer server = RaftServer.newBuilder()
        .setParameters(parameters)
        .setServerId(RaftPeerId.valueOf(self))
        .setGroup(RaftGroup.valueOf(GROUP_ID, byId.values().stream()
            .map(m -> RaftPeer.newBuilder().setId(m.id())
                .setAddress(m.host() + ":" + m.raftPort())
                .setClientAddress(m.address())
                .build())
            .toList()))
        .setProperties(properties)
        .setStateMachine(machine)
        .setOption(Files.exists(raftDir.resolve(GROUP_ID.getUuid().toString()))
            ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
        .build();
    server.start();
    return new ManagerGroup(me, byId, server, machine, dataDir);
  }

  /** Where the leader saves its tables. */
  public StateStore store() {
    return store;
  }

  /** The table as this manager last applied it; null before the group's first. */
  public RingTable table() {
    return machine.table();
  }

  public GroupMember self() {
    return self;
  }

  public List<GroupMember> members() {
    return List.copyOf(members.values());
  }

  /** The leader as this manager last heard of it, if any. */
  public Optional<GroupMember> leader() {
    RaftPeerId leader = machine.leader();
    return leader == null ? Optional.empty() : Optional.ofNullable(members.get(leader.toString()));
  }

  /** Whether this manager leads the group now, every earlier change applied. */
  public boolean isReadyLeader() {
    try {
      var info = server.getDivision(GROUP_ID).getInfo();
      return info.isLeader() && info.isLeaderReady();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}

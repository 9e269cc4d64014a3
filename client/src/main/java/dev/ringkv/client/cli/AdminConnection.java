package dev.ringkv.client.cli;

import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.ClusterAdminGrpc;
import dev.ringkv.proto.DecommissionRequest;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.ManagerRole;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.proto.RemoveNodeRequest;
import dev.ringkv.proto.RepairRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.ClusterSecret;
import dev.ringkv.security.Credentials;
import dev.ringkv.security.SecretFile;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.wire.ManagerRedirect;
import dev.ringkv.wire.TableCodec;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The operator's tools' channels to a cluster: to the manager, and to each node as the admin
 * identity (its certificate under TLS, or the cluster secret). One channel per address for the
 * tool's whole run, since a waiting tool polls.
 */
final class AdminConnection implements AutoCloseable {

  private static final long CALL_TIMEOUT_SECONDS = 2;

  private final String managerAddress; // as given: one address, or several comma-separated
  private final List<String> managers;
  private final ChannelCredentials credentials;
  private final CallCredentials token;
  private final CallCredentials admin;
  private final Map<String, ManagedChannel> channels = new TreeMap<>();

  AdminConnection(AdminOptions options) {
    managerAddress = options.manager;
    managers = Arrays.stream(options.manager.split(",", -1)).map(String::trim).toList();
    credentials = Credentials.channel(
        options.tlsDir == null ? null : TlsFiles.identity(options.tlsDir, "admin"));
    token = options.tokenFile == null ? null
        : new BearerToken(BearerToken.readFile(options.tokenFile));
    admin = options.clusterSecretFile == null ? null : new ClusterSecret(AccessPolicy.ADMIN,
        SecretFile.read(options.clusterSecretFile, "cluster secret file"));
  }

  String managerAddress() {
    return managerAddress;
  }

  /** The manager's current table; a refusal or silence is the command's failure. */
  RingTable currentTable() {
    try {
      return table();
    } catch (StatusRuntimeException e) {
      throw CliFailure.of("cannot read the table from the manager at " + managerAddress, e);
    }
  }

  /** The manager's current table, from the first manager that answers. */
  RingTable table() {
    return TableCodec.fromProto(ManagerRedirect.ask(managers, 0, a ->
        ManagerGrpc.newBlockingStub(channel(a))
            .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .withCallCredentials(token)
            .getTable(GetTableRequest.getDefaultInstance())).value().getTable());
  }

  /**
   * With several managers, one line: each manager's id and role as it tells them (leader or
   * follower), or that it does not answer; empty with one manager.
   */
  Optional<String> managersLine() {
    if (managers.size() == 1) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>();
    for (String address : managers) {
      try {
        ManagerRole role = ManagerGrpc.newBlockingStub(channel(address))
            .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .withCallCredentials(token)
            .getTable(GetTableRequest.getDefaultInstance()).getManager();
        parts.add(role.getId() + " " + address + " " + (role.getLeaderId().equals(role.getId())
            ? "leader" : role.getLeaderId().isEmpty() ? "(no leader known)" : "follower"));
      } catch (StatusRuntimeException e) {
        parts.add(address + " not answering (" + e.getStatus().getCode() + ")");
      }
    }
    return Optional.of("managers: " + String.join(", ", parts));
  }

  /** Asks the manager to take a DOWN or LEAVING node out of the ring; the new table. */
  RingTable removeNode(String nodeId) {
    try {
      return TableCodec.fromProto(onLeader(admin -> admin
          .removeNode(RemoveNodeRequest.newBuilder().setNodeId(nodeId).build())).getTable());
    } catch (StatusRuntimeException e) {
      throw CliFailure.of("cannot remove " + nodeId, e);
    }
  }

  /** Asks the manager to make an UP node LEAVING; the new table. */
  RingTable decommission(String nodeId) {
    try {
      return TableCodec.fromProto(onLeader(admin -> admin
          .decommission(DecommissionRequest.newBuilder().setNodeId(nodeId).build()))
          .getTable());
    } catch (StatusRuntimeException e) {
      throw CliFailure.of("cannot decommission " + nodeId, e);
    }
  }

  /** A change, made by the leading manager (a follower names it). */
  private TableReply onLeader(Function<ClusterAdminGrpc.ClusterAdminBlockingStub, TableReply> call) {
    return ManagerRedirect.ask(managers, 0, a -> call.apply(ClusterAdminGrpc.newBlockingStub(
        channel(a)).withCallCredentials(admin).withDeadlineAfter(10, TimeUnit.SECONDS))).value();
  }

  /** Each UP node's own report, by node id; a node that does not answer is left out. */
  Map<String, NodeStatusReply> statusOfUpNodes(RingTable table) {
    Map<String, NodeStatusReply> reports = new TreeMap<>();
    for (Node n : table.nodes()) {
      if (!n.isUp()) {
        continue;
      }
      try {
        reports.put(n.id(), status(n));
      } catch (StatusRuntimeException e) {
        // not answering: shown as '-'
      }
    }
    return reports;
  }

  /** Starts a full anti-entropy pass on {@code node}; how many ranges it pulls. */
  int repair(Node node) {
    try {
      return AdminGrpc.newBlockingStub(channel(node.address())).withCallCredentials(admin)
          .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .repair(RepairRequest.getDefaultInstance()).getRanges();
    } catch (StatusRuntimeException e) {
      throw CliFailure.of("cannot repair " + node.id(), e);
    }
  }

  /** What {@code node} reports about itself. */
  NodeStatusReply status(Node node) {
    return AdminGrpc.newBlockingStub(channel(node.address())).withCallCredentials(admin)
        .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .nodeStatus(NodeStatusRequest.getDefaultInstance());
  }

  /**
   * Waits until every UP node routes with a table of at least {@code epoch} and has caught up
   * on every range it serves, printing progress as it changes.
   *
   * @throws CliFailure if that did not happen within {@code timeout}
   */
  void awaitCaughtUp(long epoch, Duration timeout, PrintWriter out)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastProgress = null;
    while (true) {
      String waitingFor;
      try {
        RingTable table = table();
        Map<String, NodeStatusReply> reports = statusOfUpNodes(table);
        List<String> behind = new ArrayList<>();
        for (Node n : table.nodes()) {
          NodeStatusReply r = reports.get(n.id());
          if (!n.isUp()) {
            continue;
          }
          if (r == null) {
            behind.add(n.id() + " (not answering)");
          } else if (r.getTableEpoch() < epoch) {
            behind.add(n.id() + " (has not seen epoch " + epoch + " yet)");
          } else if (!r.getCaughtUp()) {
            behind.add(n.id() + " (" + r.getRangesPending() + " ranges to pull)");
          }
        }
        if (behind.isEmpty()) {
          out.println("every node has caught up");
          return;
        }
        waitingFor = String.join(", ", behind);
      } catch (StatusRuntimeException e) {
        waitingFor = "the manager (" + e.getStatus().getCode() + ")";
      }
      if (!waitingFor.equals(lastProgress)) {
        out.println("waiting for " + waitingFor);
        lastProgress = waitingFor;
      }
      if (System.nanoTime() > deadline) {
        throw new CliFailure(ExitCode.UNAVAILABLE, "gave up after " + timeout.toSeconds()
            + " s waiting for " + waitingFor);
      }
      Thread.sleep(500); // polling the nodes' reports while they pull
    }
  }

  private synchronized ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address,
        a -> Grpc.newChannelBuilder(a, credentials).build());
  }

  @Override
  public synchronized void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}

package dev.ringkv.it;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvClientBuilder;
import dev.ringkv.client.cli.AdminCli;
import dev.ringkv.manager.replication.GroupMember;
import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.GetTableRequest;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.NodeStatusReply;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadReply;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.proto.TableReply;
import dev.ringkv.ring.KeyHasher;
import dev.ringkv.ring.Node;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.ClusterSecret;
import dev.ringkv.security.Credentials;
import dev.ringkv.security.SecretFile;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.wire.TableCodec;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A real ringkv cluster for tests: one manager and N storage nodes, each its own JVM started from
 * the runnable jars, on free ports of 127.0.0.1 below the ephemeral range, with data in a temp
 * dir. Nodes are killed with a real {@code kill -9} and restarted with the same id, port and data
 * dir. {@link #close()} kills every process it started and keeps the logs under
 * {@code target/cluster-logs}.
 */
public final class LocalCluster implements AutoCloseable {

  static final Path ROOT = Path.of(System.getProperty("ringkv.root", "..")).toAbsolutePath()
      .normalize();
  private static final Path MANAGER_JAR = ROOT.resolve("manager/target/ringkv-manager.jar");
  private static final Path STORAGE_JAR = ROOT.resolve("storage/target/ringkv-storage.jar");
  // The quick compiler alone: a test's cluster lives well under a minute, less than the servers'
  // optimizing compiler needs to pay for itself (scripts/lib.sh gives it to real servers).
  private static final List<String> JVM_FLAGS = List.of(
      "-Xmx256m", "-XX:MaxDirectMemorySize=256m", "-Xss512k", "-XX:+UseSerialGC",
      "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1", "-Xshare:auto");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How the processes run: failure timeout, flags for every process (such as {@code --tls DIR}
   * and {@code --token-file F}) and flags for storage nodes only.
   */
  public record Options(long failureTimeoutMs, List<String> commonArgs, List<String> nodeArgs,
      Path tlsDir, Path tokenFile, Path clusterSecretFile) {
    public static Options defaults() {
      return new Options(2_000, List.of(), List.of(), null, null, null);
    }

    /** TLS with the certificates in {@code dir} and, if not null, a client token. */
    public Options secured(Path dir, Path token) {
      List<String> common = new ArrayList<>(commonArgs);
      common.addAll(List.of("--tls", dir.toString()));
      if (token != null) {
        common.addAll(List.of("--token-file", token.toString()));
      }
      return new Options(failureTimeoutMs, common, nodeArgs, dir, token, clusterSecretFile);
    }

    /**
     * Plaintext with a client token, nodes proving their ids with the cluster secret in
     * {@code secret} (clients never see it).
     */
    public Options tokenAndClusterSecret(Path token, Path secret) {
      List<String> common = new ArrayList<>(commonArgs);
      common.addAll(List.of("--token-file", token.toString(),
          "--cluster-secret-file", secret.toString()));
      return new Options(failureTimeoutMs, common, nodeArgs, tlsDir, token, secret);
    }

    /** Every process also serves its metrics, on a port of its choosing ({@link #metricsPort}). */
    public Options withMetrics() {
      List<String> common = new ArrayList<>(commonArgs);
      common.addAll(List.of("--metrics-port", "0"));
      return new Options(failureTimeoutMs, common, nodeArgs, tlsDir, tokenFile,
          clusterSecretFile);
    }

    /** A node is marked DOWN after {@code ms} without a heartbeat. */
    public Options withFailureTimeoutMs(long ms) {
      return new Options(ms, commonArgs, nodeArgs, tlsDir, tokenFile, clusterSecretFile);
    }

    public Options withNodeArgs(String... args) {
      return new Options(failureTimeoutMs, commonArgs, List.of(args), tlsDir, tokenFile,
          clusterSecretFile);
    }
  }

  private final Path dir;
  private final int managers;
  private final int replicationFactor;
  private final Options options;
  private final Map<String, Process> processes = new TreeMap<>();
  private final Map<String, Integer> ports = new TreeMap<>();
  private final Map<String, ManagedChannel> channels = new TreeMap<>();

  private LocalCluster(Path dir, int managers, int replicationFactor, Options options) {
    this.dir = dir;
    this.managers = managers;
    this.replicationFactor = replicationFactor;
    this.options = options;
  }

  /** Starts a manager and {@code nodes} storage nodes and waits until all are UP and caught up. */
  public static LocalCluster start(int nodes, int replicationFactor) {
    return start(nodes, replicationFactor, Options.defaults());
  }

  public static LocalCluster start(int nodes, int replicationFactor, Options options) {
    return start(1, nodes, replicationFactor, options);
  }

  /**
   * As {@link #start(int, int, Options)}, with {@code managers} managers in one group
   * (manager1..managerM; a single one is called manager).
   */
  public static LocalCluster start(int managers, int nodes, int replicationFactor,
      Options options) {
    ClassArchives.ensureRecorded(List.of(MANAGER_JAR, STORAGE_JAR));
    return startWithoutArchives(managers, nodes, replicationFactor, options);
  }

  /** As {@link #start}, without first recording the class archives (which this is used for). */
  static LocalCluster startWithoutArchives(int nodes, int replicationFactor) {
    return startWithoutArchives(1, nodes, replicationFactor, Options.defaults());
  }

  private static LocalCluster startWithoutArchives(int managers, int nodes,
      int replicationFactor, Options options) {
    Path dir;
    try {
      dir = Files.createTempDirectory("ringkv-it-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalCluster cluster = new LocalCluster(dir, managers, replicationFactor, options);
    try {
      cluster.reserveManagerPorts();
      cluster.managerIds().forEach(cluster::startManager);
      for (int i = 1; i <= nodes; i++) {
        cluster.startNode("server" + i);
      }
      cluster.awaitTable(t -> t.upCount() == nodes, START_TIMEOUT, nodes + " nodes up");
      cluster.awaitCaughtUp(cluster.storageNodeIds());
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** Writes {@code secret} to a file only its owner may read, as token and secret files must be. */
  public static Path privateFile(Path file, String secret) {
    try {
      Files.writeString(file, secret + "\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The manager's address, or with several every manager's, comma-separated. */
  public String managerAddress() {
    return String.join(",", managerIds().stream().map(this::address).toList());
  }

  /** manager alone, or manager1..managerM. */
  public List<String> managerIds() {
    if (managers == 1) {
      return List.of("manager");
    }
    List<String> ids = new ArrayList<>();
    for (int k = 1; k <= managers; k++) {
      ids.add("manager" + k);
    }
    return ids;
  }

  /** The manager that says it leads the managers' group, if one answering does. */
  public Optional<String> leadingManager() {
    for (String id : managerIds()) {
      try {
        TableReply reply = askManager(address(id));
        if (reply.getManager().getLeaderId().equals(id)) {
          return Optional.of(id);
        }
      } catch (StatusRuntimeException notAnswering) {
        // ask the next
      }
    }
    return Optional.empty();
  }

  public String address(String nodeId) {
    return "127.0.0.1:" + ports.get(nodeId);
  }

  /** The port a node or the manager listens on; it keeps it across restarts. */
  public int port(String id) {
    return ports.get(id);
  }

  public Path dir() {
    return dir;
  }

  /** A client of this cluster with no table cache (with its CA and token, if any). */
  public KvClient client() {
    return client(KvClient.builder());
  }

  /** As {@link #client()}, from a builder with other settings. */
  public KvClient client(KvClientBuilder b) {
    b.manager(managerAddress());
    if (options.tlsDir() != null) {
      b.tls(TlsFiles.trustOnly(options.tlsDir().resolve("ca.crt")));
    }
    if (options.tokenFile() != null) {
      b.token(BearerToken.readFile(options.tokenFile()));
    }
    return b.build();
  }

  /**
   * Runs a storage node of this cluster in the foreground until it exits (at most
   * {@link #START_TIMEOUT}); returns its exit code and output.
   */
  public Cli.Result runStorageNode(String id, int port) throws Exception {
    Path data = dir.resolve(id);
    Files.createDirectories(data);
    Path output = dir.resolve(id + ".out");
    Process p = new ProcessBuilder(javaCommand(STORAGE_JAR, List.of(
            "--id", id, "--host", "127.0.0.1", "--port", Integer.toString(port),
            "--data-dir", data.toString(), "--manager", managerAddress())))
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError(id + " did not exit within " + START_TIMEOUT);
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      return new Cli.Result(p.exitValue(), text, text);
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  /**
   * The command that runs {@code jar} with {@code args} on this JVM's java, with the cluster's JVM
   * flags, the jar's class archive and the cluster's own temp directory (which {@link #close()}
   * deletes, and {@link #tempFiles()} shows).
   */
  private List<String> javaCommand(Path jar, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.add("-Djava.io.tmpdir=" + Files.createDirectories(tempDir()));
    command.addAll(ClassArchives.flagsFor(jar));
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(args);
    return command;
  }

  private Path tempDir() {
    return dir.resolve("tmp");
  }

  /** The files the cluster's processes left in their temp directory. */
  public List<Path> tempFiles() throws IOException {
    try (Stream<Path> files = Files.list(tempDir())) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  public long pid(String id) {
    return processes.get(id).pid();
  }

  public boolean isRunning(String id) {
    Process p = processes.get(id);
    return p != null && p.isAlive();
  }

  /** {@code kill -9} of a node or the manager, waiting until the process is gone. */
  public void kill9(String id) {
    kill9Together(id);
  }

  /**
   * {@code kill -STOP}: the node hangs, as in a long pause or a frozen machine, without dying;
   * its sockets stay open and nothing answers. {@link #resume} lets it go on.
   */
  public void pause(String id) {
    signal("STOP", List.of(id));
  }

  /** {@code kill -CONT} of a paused node. */
  public void resume(String id) {
    signal("CONT", List.of(id));
  }

  /** Sends one signal to several processes in one {@code kill}, so all get it at once. */
  private void signal(String signal, List<String> ids) {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    ids.forEach(id -> command.add(Long.toString(processes.get(id).pid())));
    try {
      if (new ProcessBuilder(command).inheritIO().start().waitFor() != 0) {
        throw new IllegalStateException("kill -" + signal + " of " + ids + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code kill -TERM} of several processes at once (a graceful stop); waits for them to exit.
   *
   * @return how long the slowest took to exit, in ms
   */
  public long terminateTogether(List<String> ids, Duration bound) {
    long start = System.nanoTime();
    signal("TERM", ids);
    try {
      for (String id : ids) {
        long left = bound.toNanos() - (System.nanoTime() - start);
        if (!processes.get(id).waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          throw new AssertionError(id + " did not stop within " + bound.toMillis() + " ms");
        }
      }
      return (System.nanoTime() - start) / 1_000_000;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code kill -9} of several processes at the same moment: all signals go out before any wait. */
  public void kill9Together(String... ids) {
    signal("9", List.of(ids));
    try {
      for (String id : ids) {
        Process p = processes.get(id);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException(id + " (pid " + p.pid() + ") outlived kill -9");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The home replicas of {@code key} in the manager's current table. */
  public List<String> homeReplicas(String key) {
    return table().homeReplicas(KeyHasher.murmur3().hash(key)).stream().map(Node::id).toList();
  }

  /** Waits until every running storage node has caught up on all the ranges it serves. */
  public void awaitSettled(Duration timeout) {
    List<String> running = storageNodeIds().stream().filter(this::isRunning).toList();
    awaitTable(t -> running.stream().allMatch(id -> t.node(id).map(Node::isUp).orElse(false))
        && t.nodes().stream().filter(Node::isUp).allMatch(n -> running.contains(n.id())),
        timeout, "the table to show exactly " + running + " up");
    awaitCaughtUp(running);
  }

  /** Starts a killed node (or the manager) again with the same id, port and data dir. */
  public void restart(String id) {
    if (isRunning(id)) {
      throw new IllegalStateException(id + " is still running");
    }
    if (managerIds().contains(id)) {
      startManager(id);
    } else {
      startNode(id);
    }
  }

  /**
   * Starts a storage node new to the cluster and waits until it is UP and has caught up on
   * every range it took over.
   */
  public void add(String id) {
    join(id, List.of());
  }

  /**
   * Starts a storage node new to the cluster in place of the DOWN node {@code dead}
   * ({@code --replace}) and waits until it is UP and has caught up on the ranges it took over.
   */
  public void replace(String dead, String id) {
    join(id, List.of("--replace", dead));
    forget(dead);
  }

  private void join(String id, List<String> moreArgs) {
    if (processes.containsKey(id)) {
      throw new IllegalStateException(id + " is already a node of this cluster");
    }
    startNode(id, moreArgs);
    awaitTable(t -> t.node(id).map(Node::isUp).orElse(false), START_TIMEOUT, id + " UP");
    awaitCaughtUp(List.of(id));
  }

  /** Forgets a dead node the operator removed from the ring, so no wait expects it back. */
  public void forget(String id) {
    Process p = processes.get(id);
    if (p == null || p.isAlive()) {
      throw new IllegalStateException(id + " is not a dead node of this cluster");
    }
    processes.remove(id);
  }

  /** Runs the operator's tool ({@code scripts/admin}'s main) in this JVM against the cluster. */
  public Cli.Result admin(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--manager", managerAddress()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = AdminCli.run(all.toArray(String[]::new),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli.Result(exit, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  /** The leading manager's current table. */
  public RingTable table() {
    String leader = leadingManager().orElseThrow(() -> new IllegalStateException(
        "no manager leads"));
    return TableCodec.fromProto(askManager(address(leader)).getTable());
  }

  private TableReply askManager(String address) {
    return ManagerGrpc.newBlockingStub(channel(address))
        .withDeadlineAfter(2, TimeUnit.SECONDS)
        .withCallCredentials(options.tokenFile() == null ? null
            : new BearerToken(BearerToken.readFile(options.tokenFile())))
        .getTable(GetTableRequest.getDefaultInstance());
  }

  /** Polls the manager until its table satisfies {@code condition}; fails after {@code timeout}. */
  public RingTable awaitTable(Predicate<RingTable> condition, Duration timeout, String what) {
    return Poll.until(timeout, what, () -> {
      try {
        RingTable t = table();
        return condition.test(t) ? t : null;
      } catch (RuntimeException e) {
        return null; // manager not up yet
      }
    });
  }

  /**
   * Waits until each of {@code nodeIds} holds the manager's current table and reports every
   * range it serves caught up.
   */
  public void awaitCaughtUp(List<String> nodeIds) {
    Poll.untilTrue(START_TIMEOUT, nodeIds + " caught up", () -> {
      try {
        long epoch = table().epoch();
        return nodeIds.stream().allMatch(id -> {
          NodeStatusReply s = stats(id);
          return s.getCaughtUp() && s.getTableEpoch() >= epoch;
        });
      } catch (RuntimeException e) {
        return false; // a node or the manager not answering yet
      }
    });
  }

  /** What the node itself reports: live keys, hints held, table epoch. */
  public NodeStatusReply stats(String nodeId) {
    return AdminGrpc.newBlockingStub(channel(address(nodeId))).withCallCredentials(admin())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .nodeStatus(NodeStatusRequest.getDefaultInstance());
  }

  /** Whether the node answers a stats call within 300 ms. */
  public boolean probe(String nodeId) {
    try {
      AdminGrpc.newBlockingStub(channel(address(nodeId))).withCallCredentials(admin())
          .withDeadlineAfter(300, TimeUnit.MILLISECONDS).nodeStatus(NodeStatusRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Whether one node holds anything for {@code key}, a value or a delete's tombstone. */
  public boolean holdsRecord(String nodeId, String key) {
    return ReplicaGrpc.newBlockingStub(channel(address(nodeId)))
        .withCallCredentials(admin())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .read(ReplicaReadRequest.newBuilder().setKey(key).build()).getFound();
  }

  /** The exit code of a process that has ended. */
  public int exitCode(String id) {
    return processes.get(id).exitValue();
  }

  /** The value one node holds for {@code key}, asked of that node alone (no quorum, no repair). */
  public Optional<String> readFrom(String nodeId, String key) {
    ReplicaReadReply r = ReplicaGrpc.newBlockingStub(channel(address(nodeId)))
        .withCallCredentials(admin())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .read(ReplicaReadRequest.newBuilder().setKey(key).build());
    return r.getFound() && !r.getRecord().getTombstone()
        ? Optional.of(r.getRecord().getValue().toStringUtf8()) : Optional.empty();
  }

  public List<String> storageNodeIds() {
    return processes.keySet().stream().filter(id -> !managerIds().contains(id)).toList();
  }

  private void startManager(String id) {
    Path data = dir.resolve(id);
    List<String> group = new ArrayList<>();
    if (managers > 1) {
      group.addAll(List.of("--id", id, "--managers", String.join(",", managerIds().stream()
          .map(m -> m + "=127.0.0.1:" + portFor(m)).toList())));
    }
    start(id, data, MANAGER_JAR, Stream.concat(group.stream(), Stream.of(
        "--port", Integer.toString(portFor(id)),
        "--data-dir", data.toString(),
        "--rep", Integer.toString(replicationFactor), "--allow-join",
        "--failure-timeout-ms", Long.toString(options.failureTimeoutMs()))).toList(),
        "manager.port");
  }

  /**
   * Managers must know each other's ports before the first starts: each gets a free one whose
   * Raft port (10000 above) is free too, both below the ephemeral range.
   */
  private void reserveManagerPorts() {
    for (String id : managerIds()) {
      for (int attempt = 0; !ports.containsKey(id); attempt++) {
        if (attempt == 200) {
          throw new IllegalStateException("no free port pair for " + id);
        }
        int port = freePort(ports.values(), id);
        if (port < 22_700 && isFree(port + GroupMember.RAFT_PORT_OFFSET)) {
          ports.put(id, port);
        }
      }
    }
  }

  /** Whether nothing listens on {@code port} of 127.0.0.1 right now. */
  static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private void startNode(String id) {
    startNode(id, List.of());
  }

  private void startNode(String id, List<String> moreArgs) {
    Path data = dir.resolve(id);
    start(id, data, STORAGE_JAR, List.of(
        "--id", id,
        "--port", Integer.toString(portFor(id)),
        "--data-dir", data.toString(),
        "--manager", managerAddress(),
        "--heartbeat-ms", "250"), "node.port",
        Stream.concat(options.nodeArgs().stream(), moreArgs.stream()).toList());
  }

  /**
   * The port of {@code id}: chosen on first start, free and below Linux's ephemeral range
   * (32768-60999), so no outgoing connection can take it while the process is stopped.
   */
  private int portFor(String id) {
    Integer known = ports.get(id);
    if (known != null) {
      return known;
    }
    return freePort(ports.values(), id);
  }

  /**
   * A free port on 127.0.0.1 that is not in {@code reserved}, below Linux's ephemeral range
   * (32768-60999), so no outgoing connection can take it while its process is stopped.
   */
  static int freePort(Collection<Integer> reserved, String forWhat) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int candidate = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
      if (reserved.contains(candidate)) {
        continue;
      }
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress("127.0.0.1", candidate));
        return candidate;
      } catch (IOException taken) {
        // in use: try another
      }
    }
    throw new IllegalStateException("no free port below 32000 for " + forWhat);
  }

  private void start(String id, Path dataDir, Path jar, List<String> args, String portFileName) {
    start(id, dataDir, jar, args, portFileName, List.of());
  }

  private void start(String id, Path dataDir, Path jar, List<String> args, String portFileName,
      List<String> moreArgs) {
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(dir.resolve("logs"));
      Path portFile = dataDir.resolve(portFileName);
      Files.deleteIfExists(portFile);
      List<String> command = javaCommand(jar, args);
      command.addAll(options.commonArgs());
      command.addAll(moreArgs);
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/" + id + ".log").toFile()))
          .start();
      processes.put(id, p);
      int port = Poll.until(START_TIMEOUT, id + " to listen", () -> {
        if (!p.isAlive()) {
          throw new IllegalStateException(id + " exited with " + p.exitValue() + ":\n" + logTail(id));
        }
        try {
          String text = Files.exists(portFile) ? Files.readString(portFile).trim() : "";
          return text.isEmpty() ? null : Integer.valueOf(text);
        } catch (IOException e) {
          return null;
        }
      });
      ports.put(id, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port {@code id} serves metrics on (started {@link Options#withMetrics}). */
  public int metricsPort(String id) {
    Path file = dir.resolve(id).resolve("metrics.port");
    return Poll.until(START_TIMEOUT, id + "'s metrics port", () -> {
      try {
        String text = Files.exists(file) ? Files.readString(file).trim() : "";
        return text.isEmpty() ? null : Integer.valueOf(text);
      } catch (IOException e) {
        return null;
      }
    });
  }

  /** The admin identity without TLS: the cluster secret (null when there is none). */
  private CallCredentials admin() {
    return options.clusterSecretFile() == null ? null : new ClusterSecret(AccessPolicy.ADMIN,
        SecretFile.read(options.clusterSecretFile(), "cluster secret file"));
  }

  /** A channel as an operator's tool would open it: with the admin identity under TLS. */
  private synchronized ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, a -> Grpc.newChannelBuilder(a, Credentials.channel(
        options.tlsDir() == null ? null : TlsFiles.identity(options.tlsDir(), "admin"))).build());
  }

  public String logTail(String id) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("logs/" + id + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    String lastTable;
    try {
      lastTable = table().toString();
    } catch (RuntimeException e) {
      lastTable = "(manager not answering)";
    }
    for (Process p : processes.values()) {
      p.destroyForcibly();
    }
    for (Process p : processes.values()) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    channels.values().forEach(ManagedChannel::shutdownNow);
    Path kept = keepLogsAndDelete();
    // What a failing test needs to start from: the last table and where the logs are.
    System.out.println("cluster stopped; last table " + lastTable + "; logs in " + kept);
  }

  private Path keepLogsAndDelete() {
    Path kept = ROOT.resolve("it/target/cluster-logs").resolve(dir.getFileName());
    try {
      Files.createDirectories(kept);
      try (Stream<Path> logs = Files.list(dir.resolve("logs"))) {
        for (Path log : logs.toList()) {
          Files.copy(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    } catch (IOException e) {
      System.err.println("could not clean up " + dir + ": " + e.getMessage());
    }
    return kept;
  }
}

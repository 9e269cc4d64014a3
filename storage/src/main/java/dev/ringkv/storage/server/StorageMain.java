package dev.ringkv.storage.server;

import dev.ringkv.process.PortHolder;
import dev.ringkv.process.ProcessLog;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.SecretFile;
import dev.ringkv.security.TlsFiles;
import dev.ringkv.storage.coordinator.RequestLimits;
import dev.ringkv.storage.engine.RocksLibrary;
import dev.ringkv.storage.engine.RocksStorageEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar ringkv-storage.jar --id server1 --port 7061 --data-dir DIR} */
@Command(name = "ringkv-storage", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs one ringkv storage node: stores its share of the keys in RocksDB under "
        + "--data-dir, coordinates client requests and replicates to its peers.")
public final class StorageMain implements Callable<Integer> {

  @Option(names = "--id", required = true,
      description = "Stable node id, e.g. server1. Restart with the same id and data dir to "
          + "rejoin with the same ranges.")
  String nodeId;

  @Option(names = "--host", description = "Address to listen on and advertise "
      + "(default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port to listen on; 0 picks a free one "
      + "(default: ${DEFAULT-VALUE}).")
  int port = 0;

  @Option(names = "--data-dir", required = true, description = "Directory for this node's data: "
      + "the store in DIR/db, and, if the directory of this jar cannot be written, the copy of "
      + "RocksDB's native library it runs in DIR/native (otherwise that copy is shared by every "
      + "node run from this jar, next to it).")
  Path dataDir;

  @Option(names = "--manager", paramLabel = "HOST:PORT[,HOST:PORT...]", description = "The "
      + "manager's address, or every manager's, comma-separated: the node finds the leader "
      + "(default: ${DEFAULT-VALUE}).")
  String managerAddress = "127.0.0.1:7051";

  @Option(names = "--replace", paramLabel = "ID", description = "Join as the replacement of "
      + "the DOWN node ID: take its tokens (it leaves the ring) and pull all of its ranges; "
      + "reads count once they are pulled. Ignored once this node is a member.")
  String replaces;

  @Option(names = "--tombstone-grace", paramLabel = "DURATION", converter = Durations.class,
      description = "How long a delete's tombstone is kept before it is purged, such as 3d, 12h "
          + "or 30s (default: ${DEFAULT-VALUE}); at least 10 heartbeat intervals. A replica that "
          + "misses a delete for longer would bring the value back, so a node away from the "
          + "cluster for more than half of it starts over empty and pulls everything, and "
          + "hints and late writes older than half of it are dropped.")
  Duration tombstoneGrace = Duration.ofDays(3);

  @Option(names = "--heartbeat-ms", description = "Heartbeat interval (default: ${DEFAULT-VALUE}).")
  long heartbeatMs = 300;

  @Option(names = "--replica-timeout-ms", description = "Deadline of a call to another replica "
      + "(default: ${DEFAULT-VALUE}).")
  long replicaTimeoutMs = 1000;

  @Option(names = "--hint-interval-ms", description = "How often held hints are offered to "
      + "their targets (default: ${DEFAULT-VALUE}).")
  long hintIntervalMs = 500;

  @Option(names = "--sync-interval-ms", description = "How often ranges still to be caught up "
      + "on are pulled again from peers (default: ${DEFAULT-VALUE}).")
  long syncIntervalMs = 1000;

  @Option(names = "--max-key-bytes", description = "Largest key accepted, in UTF-8 bytes "
      + "(default: ${DEFAULT-VALUE}).")
  int maxKeyBytes = RequestLimits.DEFAULT_MAX_KEY_BYTES;

  @Option(names = "--max-value-bytes", description = "Largest value accepted "
      + "(default: ${DEFAULT-VALUE}).")
  int maxValueBytes = RequestLimits.DEFAULT_MAX_VALUE_BYTES;

  @Option(names = "--max-in-flight", description = "Single-request calls served at once, "
      + "client-facing and replica-facing each; more are refused with RESOURCE_EXHAUSTED. Each may "
      + "hold a value of up to --max-value-bytes in network buffers before it is read, so keep "
      + "this times the value limit well under the heap. Streamed requests (what the client "
      + "library and peers send) are bounded by --max-in-flight-bytes instead "
      + "(default: ${DEFAULT-VALUE}).")
  int maxInFlight = 64;

  @Option(names = "--max-in-flight-bytes", description = "Bytes of requests held at once, "
      + "client-facing and replica-facing each, a streamed request counting 1 KiB on top of its "
      + "size, a client's write also its value once per replica; more are refused with "
      + "RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  long maxInFlightBytes = 32L * 1024 * 1024;

  @Option(names = "--record-cache-bytes", description = "Heap for the stored records of "
      + "recently used keys (values up to 4 KiB), which spares writes and reads of those keys a "
      + "RocksDB read; 0 for none. Keep it well under the heap (default: ${DEFAULT-VALUE}).")
  long recordCacheBytes = RocksStorageEngine.DEFAULT_CACHE_BYTES;

  @Option(names = "--tls", paramLabel = "DIR", description = "Serve TLS with DIR/ID.crt and "
      + "DIR/ID.key, and talk to peers and the manager with mutual TLS trusting DIR/ca.crt "
      + "(see scripts/gen_certs.sh).")
  Path tlsDir;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Require this bearer token "
      + "of clients (a private file of 16 characters or more).")
  Path tokenFile;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "Without --tls: "
      + "peers must send this secret (a private file of 16 characters or more), and this node "
      + "sends it to its peers and the manager. Needed with --token-file unless --tls is given.")
  Path clusterSecretFile;

  @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus "
      + "metrics at http://HOST:PORT/metrics (0: any free port; default -1: none). With "
      + "--token-file, scrapes must send the token as a bearer header.")
  int metricsPort = -1;

  // Read by ProcessLog before the command line is parsed: logging starts before that.
  @Option(names = ProcessLog.LOG_FILE_OPTION, paramLabel = "FILE", description = "Log to FILE, "
      + "which rolls at 10 MB into FILE.1 .. FILE.5 (default: stdout).")
  Path logFile;

  @Override
  public Integer call() throws Exception {
    RocksLibrary.loadFrom(RocksLibrary.directory(dataDir.resolve("native")));
    StorageConfig config = new StorageConfig(nodeId, host, port, dataDir, managerAddress,
        heartbeatMs, replicaTimeoutMs, hintIntervalMs, syncIntervalMs,
        new RequestLimits(maxKeyBytes, maxValueBytes), maxInFlight, maxInFlightBytes,
        tlsDir == null ? null : TlsFiles.identity(tlsDir, nodeId),
        tokenFile == null ? null : BearerToken.readFile(tokenFile),
        clusterSecretFile == null ? null
            : SecretFile.read(clusterSecretFile, "cluster secret file"), metricsPort, replaces,
        tombstoneGrace, recordCacheBytes);
    StorageNode node = new StorageNode(config);
    try {
      node.start();
    } catch (IOException e) {
      throw new IOException(PortHolder.explain(e, port), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, nodeId + "-shutdown"));
    // Decommissioned, or away too long: the process ends as after a SIGTERM (the hook above
    // closes the node).
    node.exitRequested().thenAccept(code ->
        new Thread(() -> System.exit(code), nodeId + "-exit").start());
    node.awaitTermination();
    return 0;
  }

  public static void main(String[] args) {
    ProcessLog.configure(ProcessLog.optionValue(args, "--id").orElse("storage"), args);
    CommandLine cli = new CommandLine(new StorageMain());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("ringkv-storage: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }
}

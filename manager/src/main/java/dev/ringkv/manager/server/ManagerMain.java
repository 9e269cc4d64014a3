package dev.ringkv.manager.server;

import dev.ringkv.manager.membership.JoinPolicy;
import dev.ringkv.manager.replication.GroupMember;
import dev.ringkv.process.PortHolder;
import dev.ringkv.process.ProcessLog;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.SecretFile;
import dev.ringkv.security.TlsFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar ringkv-manager.jar --data-dir DIR [--port 7051] [--rep 3]} */
@Command(name = "ringkv-manager", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs the ringkv manager: tracks storage-node heartbeats and publishes the "
        + "versioned ring table. Its state lives in --data-dir and survives restarts.")
public final class ManagerMain implements Callable<Integer> {

  @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port to listen on (default: ${DEFAULT-VALUE}). The "
      + "manager also speaks Raft on this port + " + GroupMember.RAFT_PORT_OFFSET + ", even alone.")
  int port = 7051;

  @Option(names = "--data-dir", required = true, description = "Directory for the manager's state.")
  Path dataDir;

  @Option(names = "--rep", description = "Replication factor of a new cluster "
      + "(default: ${DEFAULT-VALUE}).")
  int replicationFactor = 3;

  @Option(names = "--tokens", description = "Tokens (virtual nodes) per storage node "
      + "(default: ${DEFAULT-VALUE}).")
  int tokensPerNode = 128;

  @Option(names = "--failure-timeout-ms", description = "Heartbeat silence after which a node is "
      + "marked DOWN (default: ${DEFAULT-VALUE}).")
  long failureTimeoutMs = 2000;

  @Option(names = "--tls", paramLabel = "DIR", description = "Serve TLS with DIR/manager.crt and "
      + "DIR/manager.key; nodes must present certificates from DIR/ca.crt "
      + "(see scripts/gen_certs.sh).")
  Path tlsDir;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Require this bearer token "
      + "of clients reading the table (a private file of 16 characters or more).")
  Path tokenFile;

  @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus "
      + "metrics at http://HOST:PORT/metrics (0: any free port; default -1: none). With "
      + "--token-file, scrapes must send the token as a bearer header.")
  int metricsPort = -1;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "Without --tls: "
      + "nodes must send this secret (a private file of 16 characters or more) to register and "
      + "heartbeat. Needed with --token-file unless --tls is given.")
  Path clusterSecretFile;

  @Option(names = "--id", description = "This manager's id: manager alone, or its name in "
      + "--managers (default: ${DEFAULT-VALUE}).")
  String id = "manager";

  @Option(names = "--managers", paramLabel = "ID=HOST:PORT,...", split = ",",
      description = "Every manager of the cluster, this one included, e.g. "
          + "manager1=127.0.0.1:7051,manager2=127.0.0.1:7050,manager3=127.0.0.1:7049. They keep "
          + "the cluster's state together (a Raft group, on Apache Ratis), each speaking Raft on "
          + "its PORT + " + GroupMember.RAFT_PORT_OFFSET + "; changes need a majority of them up. "
          + "Default: this manager alone.")
  List<String> managers;

  @Option(names = "--election-timeout-ms", description = "How long the other managers wait to "
      + "hear from the leader before electing another: a random time between this and twice "
      + "this (default: ${DEFAULT-VALUE}).")
  long electionTimeoutMs = ManagerConfig.Replication.DEFAULT_ELECTION_TIMEOUT_MS;

  @Option(names = "--allow-join", description = "Admit node ids this manager has never seen. "
      + "Without it membership is frozen: known nodes come and go, strangers are refused.")
  boolean allowJoin;

  @Option(names = "--max-nodes", description = "The most nodes the cluster may have "
      + "(default: ${DEFAULT-VALUE}).")
  int maxNodes = 256;

  // Read by ProcessLog before the command line is parsed: logging starts before that.
  @Option(names = ProcessLog.LOG_FILE_OPTION, paramLabel = "FILE", description = "Log to FILE, "
      + "which rolls at 10 MB into FILE.1 .. FILE.5 (default: stdout).")
  Path logFile;

  @Override
  public Integer call() throws Exception {
    ManagerConfig config = new ManagerConfig(host, port, dataDir, replicationFactor, tokensPerNode,
        failureTimeoutMs, Math.max(10, Math.min(100, failureTimeoutMs / 10)),
        tlsDir == null ? null : TlsFiles.identity(tlsDir, "manager"),
        tokenFile == null ? null : BearerToken.readFile(tokenFile),
        clusterSecretFile == null ? null
            : SecretFile.read(clusterSecretFile, "cluster secret file"),
        new JoinPolicy(allowJoin, maxNodes), metricsPort, managers == null
            ? ManagerConfig.Replication.alone(id, host, port)
            : new ManagerConfig.Replication(id,
                managers.stream().map(GroupMember::parse).toList(), electionTimeoutMs));
    ManagerServer server = new ManagerServer(config);
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException(PortHolder.explain(e, port), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "manager-shutdown"));
    server.awaitTermination();
    return 0;
  }

  public static void main(String[] args) {
    ProcessLog.configure(ProcessLog.optionValue(args, "--id").orElse("manager"), args);
    CommandLine cli = new CommandLine(new ManagerMain());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("ringkv-manager: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }
}

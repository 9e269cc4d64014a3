package dev.ringkv.client.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How an operator's tool reaches a cluster: where the manager is and who the tool is. */
final class AdminOptions {

  @Option(names = "--manager", paramLabel = "HOST:PORT[,...]",
      description = "The manager's address, or every manager's, comma-separated "
          + "(default: ${DEFAULT-VALUE}).")
  String manager = "127.0.0.1:7051";

  @Option(names = "--tls", paramLabel = "DIR", description = "Talk mutual TLS with the admin "
      + "identity in DIR (DIR/admin.crt, DIR/admin.key, DIR/ca.crt).")
  Path tlsDir;

  @Option(names = "--token-file", paramLabel = "FILE", description = "Send the bearer token in "
      + "FILE.")
  Path tokenFile;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "Without --tls: "
      + "act as the admin identity, with the cluster secret in FILE.")
  Path clusterSecretFile;
}

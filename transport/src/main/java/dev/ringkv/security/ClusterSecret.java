package dev.ringkv.security;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * How a node proves it is a member of a cluster that runs without TLS: with every internal call
 * it sends its node id and the secret that manager and nodes share (a file only they can read).
 * With TLS the node's certificate proves it instead.
 */
public final class ClusterSecret extends CallCredentials {

  static final Metadata.Key<String> NODE_ID =
      Metadata.Key.of("ringkv-node-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> SECRET =
      Metadata.Key.of("ringkv-cluster-secret", Metadata.ASCII_STRING_MARSHALLER);

  private final String nodeId;
  private final String secret;

  public ClusterSecret(String nodeId, String secret) {
    this.nodeId = nodeId;
    this.secret = secret;
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(NODE_ID, nodeId);
    headers.put(SECRET, secret);
    applier.apply(headers);
  }
}

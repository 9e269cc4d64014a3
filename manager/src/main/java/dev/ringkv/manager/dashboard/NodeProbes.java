package dev.ringkv.manager.dashboard;

import dev.ringkv.proto.AdminGrpc;
import dev.ringkv.proto.NodeStatusRequest;
import dev.ringkv.ring.Node;
import dev.ringkv.security.BearerToken;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Reaches storage nodes for the dashboard: asks a node's {@code Admin.NodeStatus} (as the
 * manager) for its metrics port, then reads its {@code /metrics} over HTTP, each within a
 * second. One channel per node, closed with the probes.
 */
public final class NodeProbes implements NodeProbe, AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private final BiFunction<String, ChannelCredentials, ManagedChannelBuilder<?>> channels;
  private final ChannelCredentials credentials;
  private final CallCredentials identity;
  private final String token;
  private final Map<String, ManagedChannel> open = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  /**
   * @param identity how the manager proves who it is without TLS (null with TLS or none)
   * @param token the bearer token the nodes' metrics ask for, or null
   */
  public NodeProbes(BiFunction<String, ChannelCredentials, ManagedChannelBuilder<?>> channels,
      ChannelCredentials credentials, CallCredentials identity, String token) {
    this.channels = channels;
    this.credentials = credentials;
    this.identity = identity;
    this.token = token;
  }

  @Override
  public Optional<Integer> metricsPort(Node node) {
    ManagedChannel channel = open.computeIfAbsent(node.address(),
        address -> channels.apply(address, credentials).build());
    try {
      int port = AdminGrpc.newBlockingStub(channel).withCallCredentials(identity)
          .withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .nodeStatus(NodeStatusRequest.getDefaultInstance()).getMetricsPort();
      return port > 0 ? Optional.of(port) : Optional.empty();
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<String> scrape(Node node, int port) {
    String host = node.address().substring(0, node.address().lastIndexOf(':'));
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://" + host + ":" + port + "/metrics")).timeout(TIMEOUT);
    if (token != null) {
      request.header("Authorization", BearerToken.PREFIX + token);
    }
    try {
      HttpResponse<String> reply = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return reply.statusCode() == 200 ? Optional.of(reply.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    open.values().forEach(ManagedChannel::shutdownNow);
  }
}

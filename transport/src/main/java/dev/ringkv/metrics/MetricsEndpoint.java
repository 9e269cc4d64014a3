package dev.ringkv.metrics;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import dev.ringkv.process.DaemonThreads;
import dev.ringkv.security.BearerToken;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A process's {@code /metrics} endpoint in the Prometheus text format: the Prometheus client's
 * own small HTTP server, on the host the process serves gRPC on, with the process's metrics and
 * the JVM's (memory, GC, threads). With a token, a scrape must carry it as a bearer header
 * (Prometheus: {@code authorization: {credentials_file: ...}}); without, anyone who reaches the
 * port may read it, as anyone may reach the port itself. One thread serves it.
 */
public final class MetricsEndpoint implements AutoCloseable {

  /** The port setting that turns the endpoint off. */
  public static final int OFF = -1;

  private final HTTPServer server;
  private final ExecutorService thread;

  private MetricsEndpoint(HTTPServer server, ExecutorService thread) {
    this.server = server;
    this.thread = thread;
  }

  /**
   * Serves {@code registry}, with the JVM's metrics added to it, on {@code host:port} (0: any
   * free port).
   *
   * @param owner the process's id, for the serving thread's name and log lines
   * @param token the bearer token scrapes must carry, or null for none
   * @param pages what answers every path but {@code /metrics} (the manager's dashboard), or
   *     null for the Prometheus client's own page
   */
  public static MetricsEndpoint start(String owner, String host, int port,
      PrometheusRegistry registry, String token, HttpHandler pages) {
    registerJvmMetrics(registry);
    ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads.of(owner, "metrics"));
    try {
      HTTPServer.Builder builder = HTTPServer.builder()
          .inetAddress(InetAddress.getByName(host))
          .port(port)
          .registry(registry)
          .executorService(thread);
      if (token != null) {
        builder.authenticator(new BearerAuthenticator(token));
      }
      if (pages != null) {
        builder.defaultHandler(pages);
      }
      return new MetricsEndpoint(builder.buildAndStart(), thread);
    } catch (IOException e) {
      thread.shutdownNow();
      throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The JVM's metrics that cost nothing between scrapes: memory, GC counts and times, threads,
   * buffers, classes, compilation, the runtime, and the process (CPU, memory, file handles).
   * Left out: allocation by memory pool, which listens to every garbage collection, and native
   * memory, which needs native memory tracking.
   */
  private static void registerJvmMetrics(PrometheusRegistry registry) {
    JvmMemoryMetrics.builder().register(registry);
    JvmGarbageCollectorMetrics.builder().register(registry);
    JvmThreadsMetrics.builder().register(registry);
    JvmBufferPoolMetrics.builder().register(registry);
    JvmClassLoadingMetrics.builder().register(registry);
    JvmCompilationMetrics.builder().register(registry);
    JvmRuntimeInfoMetric.builder().register(registry);
    ProcessMetrics.builder().register(registry);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
    thread.shutdownNow();
  }

  /** Lets through a request whose Authorization header is the bearer token, in constant time. */
  private static final class BearerAuthenticator extends Authenticator {
    private final byte[] expected;

    BearerAuthenticator(String token) {
      this.expected = (BearerToken.PREFIX + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Result authenticate(HttpExchange exchange) {
      String offered = exchange.getRequestHeaders().getFirst("Authorization");
      if (offered != null
          && MessageDigest.isEqual(expected, offered.getBytes(StandardCharsets.UTF_8))) {
        return new Success(new HttpPrincipal("scraper", "ringkv"));
      }
      exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
      return new Failure(401);
    }
  }
}

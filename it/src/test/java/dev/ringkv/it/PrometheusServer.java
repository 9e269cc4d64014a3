package dev.ringkv.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Prometheus server (the Debian package's {@code /usr/bin/prometheus}) scraping the given
 * targets every second, on 127.0.0.1 with its data in a temporary directory; {@link #close()}
 * stops it by pid and deletes the data.
 */
final class PrometheusServer implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/prometheus");
  private static final Pattern SCALAR = Pattern.compile("\"value\":\\[[0-9.eE+-]+,\"([^\"]+)\"\\]");

  private final Process process;
  private final Path dir;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(2)).build();

  private PrometheusServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Starts Prometheus scraping {@code targets} ({@code host:port}) and waits until it is ready. */
  static PrometheusServer start(List<String> targets) throws IOException {
    Path dir = Files.createTempDirectory("ringkv-prometheus-");
    String list = targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "));
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: ringkv",
        "    static_configs:",
        "      - targets: [" + list + "]",
        ""));
    int port = LocalCluster.freePort(List.of(), "Prometheus");
    Process process = new ProcessBuilder(BINARY.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
    PrometheusServer server = new PrometheusServer(process, dir, port);
    try {
      Poll.untilTrue(Duration.ofSeconds(30), "Prometheus to be ready", server::ready);
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The value of a PromQL expression that yields one number now; empty if it yields none. */
  Optional<Double> query(String promql) {
    String body = get("/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!body.contains("\"status\":\"success\"")) {
      throw new IllegalStateException("Prometheus refused " + promql + ": " + body);
    }
    Matcher m = SCALAR.matcher(body);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }

  /** Prometheus's own log, for a failure message. */
  String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new IllegalStateException("Prometheus exited with " + process.exitValue() + ":\n"
          + log());
    }
    try {
      return get("/-/ready").contains("Ready");
    } catch (UncheckedIOException e) {
      return false; // not listening yet
    }
  }

  private String get(String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}

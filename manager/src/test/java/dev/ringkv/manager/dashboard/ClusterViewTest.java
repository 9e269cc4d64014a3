package dev.ringkv.manager.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClusterViewTest {

  private static final RingTable TABLE = RingTable.of("c1", 7, 2, List.of(
      new Node("server1", "127.0.0.1:7052", NodeState.UP, List.of(-5_000_000_000_000_000_000L, 0L)),
      new Node("server2", "127.0.0.1:7053", NodeState.UP, List.of(3_000_000_000_000_000_000L)),
      new Node("server3", "127.0.0.1:7054", NodeState.DOWN, List.of(6_000_000_000_000_000_000L))));

  /** Nodes whose metrics text the test sets; server3 never answers. */
  private final Map<String, String> metrics = new HashMap<>();
  private final NodeProbe probe = new NodeProbe() {
    @Override
    public Optional<Integer> metricsPort(Node node) {
      return metrics.containsKey(node.id()) ? Optional.of(9000) : Optional.empty();
    }

    @Override
    public Optional<String> scrape(Node node, int port) {
      return Optional.ofNullable(metrics.get(node.id()));
    }
  };

  @Test
  void sharesOfTheRingAtTheReplicationFactorAddUpToOne() {
    Map<String, Double> shares = ClusterView.ownership(TABLE);
    assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(1.0, within(1e-9));
    assertThat(shares).containsOnlyKeys("server1", "server2", "server3");
  }

  @Test
  void opsPerSecondAndP99ComeFromTwoLooksAndADownNodeShowsNoFigures() {
    AtomicLong clock = new AtomicLong(1_000_000);
    ClusterView view = new ClusterView(() -> TABLE, probe, clock::get);
    metrics.put("server1", text(100, 90, 100));
    metrics.put("server2", text(50, 50, 50));
    String first = view.json();
    assertThat(first).contains("\"opsPerSecond\":null");

    clock.addAndGet(2_000);
    metrics.put("server1", text(300, 290, 300)); // 200 more, all within 10 ms
    metrics.put("server2", text(150, 140, 150)); // 100 more: 90 within 10 ms, 10 up to 50 ms
    String second = view.json();
    assertThat(second).contains("\"opsPerSecond\":100.0,\"p99Ms\":10.0},{\"id\":\"server2\"");
    assertThat(second).contains("\"opsPerSecond\":50.0,\"p99Ms\":50.0},{\"id\":\"server3\"");
    // The cluster: 300 requests in 2 s, of which 290 (96.7%) within 10 ms.
    assertThat(second).startsWith("{\"clusterId\":\"c1\",\"epoch\":7,\"replication\":2,"
        + "\"opsPerSecond\":150.0,\"p99Ms\":50.0,");
    assertThat(second).contains("\"id\":\"server3\",\"address\":\"127.0.0.1:7054\","
        + "\"state\":\"DOWN\"");
    assertThat(second).contains("\"keys\":null,\"hints\":null,\"caughtUp\":null,"
        + "\"opsPerSecond\":null,\"p99Ms\":null}]");
  }

  @Test
  void aScrapeOfTheTextFormatSumsRequestsAndBucketsAcrossLabels() {
    NodeScrape scrape = NodeScrape.parse(text(10, 7, 10) + "ringkv_hints_held{target=\"a\"} 3\n"
        + "ringkv_hints_held{target=\"b\"} 4\nringkv_caught_up 1.0\n");
    assertThat(scrape.requests()).isEqualTo(10);
    assertThat(scrape.hints()).isEqualTo(7);
    assertThat(scrape.caughtUp()).isTrue();
    assertThat(scrape.latencyBuckets()).containsEntry(0.01, 7.0)
        .containsEntry(Double.POSITIVE_INFINITY, 10.0);
  }

  /** A node's metrics: requests split over two series, and a latency histogram. */
  private static String text(long requests, long within10Ms, long within50Ms) {
    return "# HELP ringkv_requests_total ...\n"
        + "ringkv_requests_total{consistency=\"quorum\",operation=\"get\",outcome=\"ok\"} "
        + (requests - requests / 2) + "\n"
        + "ringkv_requests_total{consistency=\"quorum\",operation=\"put\",outcome=\"ok\"} "
        + requests / 2 + "\n"
        + "ringkv_request_duration_seconds_bucket{le=\"0.01\",operation=\"get\"} " + within10Ms
        + "\n"
        + "ringkv_request_duration_seconds_bucket{le=\"0.05\",operation=\"get\"} " + within50Ms
        + "\n"
        + "ringkv_request_duration_seconds_bucket{le=\"+Inf\",operation=\"get\"} " + requests
        + "\n"
        + "ringkv_rocksdb_estimated_keys 42\n";
  }
}

package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The manager's dashboard in a real browser (headless Chromium): the page, refreshing by
 * itself, lists every node, and shows a node killed with {@code kill -9} as DOWN within 5 s of
 * the kill. The time is measured up to the end of the first browser run whose page shows it, so
 * it includes the browser's own start (about half a second): an upper bound.
 */
@Timeout(180)
class DashboardIT {

  private static final Pattern ROW =
      Pattern.compile("<tr data-node=\"([^\"]+)\" data-state=\"([A-Z]+)\">");

  @Test
  void theDashboardListsEveryNodeAndShowsAKilledOneDownWithinFiveSeconds() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(4, 3,
        LocalCluster.Options.defaults().withMetrics())) {
      String url = "http://127.0.0.1:" + cluster.metricsPort("manager") + "/";

      Map<String, String> before = states(Chromium.dom(url, 1_500));
      assertThat(before.keySet()).containsExactlyInAnyOrderElementsOf(cluster.storageNodeIds());
      assertThat(before.values()).containsOnly("UP");

      long killedAt = System.nanoTime();
      cluster.kill9("server3");
      long shownAfterMs;
      Map<String, String> after;
      do {
        after = states(Chromium.dom(url, 1_500));
        shownAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
      } while (!"DOWN".equals(after.get("server3")) && shownAfterMs < 5_000);
      System.out.printf("the dashboard showed server3 DOWN at most %d ms after its kill -9%n",
          shownAfterMs);
      assertThat(after.get("server3")).as("server3 on the page %d ms after its kill -9",
          shownAfterMs).isEqualTo("DOWN");
      assertThat(shownAfterMs).isLessThanOrEqualTo(5_000);
      assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(cluster.storageNodeIds());

      Path png = Path.of("target", "dashboard.png").toAbsolutePath();
      Chromium.screenshot(url, 3_000, png);
      assertThat(Files.size(png)).as("screenshot bytes").isPositive();
    }
  }

  /** Each node's state as the page's table shows it. */
  private static Map<String, String> states(String dom) {
    Map<String, String> states = new TreeMap<>();
    Matcher m = ROW.matcher(dom);
    while (m.find()) {
      states.put(m.group(1), m.group(2));
    }
    return states;
  }
}

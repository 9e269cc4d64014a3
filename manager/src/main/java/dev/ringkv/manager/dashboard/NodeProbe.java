package dev.ringkv.manager.dashboard;

import dev.ringkv.ring.Node;
import java.util.Optional;

/** How the dashboard reaches a storage node: its metrics port, then a scrape of its metrics. */
interface NodeProbe {

  /** The port {@code node} serves metrics on, if it says it serves them. */
  Optional<Integer> metricsPort(Node node);

  /** The text of {@code node}'s {@code /metrics} on {@code port}, if it answered. */
  Optional<String> scrape(Node node, int port);
}

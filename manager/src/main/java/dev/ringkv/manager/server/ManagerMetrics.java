package dev.ringkv.manager.server;

import dev.ringkv.manager.membership.Membership;
import dev.ringkv.ring.NodeState;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * The manager's metrics, read from its membership when scraped: the table's epoch, how many
 * nodes are in each state and how often nodes changed state, and how long ago each node last
 * heartbeat (which climbs toward the failure timeout before the node is marked DOWN).
 */
final class ManagerMetrics {

  private ManagerMetrics() {}

  static PrometheusRegistry of(Membership membership) {
    PrometheusRegistry registry = new PrometheusRegistry();
    GaugeWithCallback.builder()
        .name("ringkv_manager_table_epoch")
        .help("Epoch of the ring table the manager publishes")
        .callback(cb -> cb.call(membership.table().epoch()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_manager_nodes")
        .help("Members of the cluster, by state")
        .labelNames("state")
        .callback(cb -> {
          for (NodeState state : NodeState.values()) {
            cb.call(membership.table().nodes().stream().filter(n -> n.state() == state).count(),
                state.name().toLowerCase(Locale.ROOT));
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_manager_heartbeat_age_seconds")
        .help("Time since each node's last heartbeat reached the manager")
        .labelNames("node")
        .callback(cb -> membership.heartbeatAgesMs().forEach((node, ms) ->
            cb.call(ms / 1000.0, node)))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_manager_state_changes_total")
        .help("Nodes marked UP (joins included) or DOWN since the manager started")
        .labelNames("state")
        .callback(cb -> membership.stateChanges().forEach((state, count) ->
            cb.call(count, state.name().toLowerCase(Locale.ROOT))))
        .register(registry);
    return registry;
  }
}

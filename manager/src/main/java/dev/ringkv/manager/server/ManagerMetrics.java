package dev.ringkv.manager.server;

import dev.ringkv.manager.replication.Leadership;
import dev.ringkv.manager.replication.ManagerGroup;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Optional;

/**
 * The manager's metrics, read when scraped: the table's epoch and how many nodes are in each
 * state (as this manager applied the table), whether it leads the managers, and, on the leader,
 * how often nodes changed state and how long ago each node last heartbeat (which climbs toward
 * the failure timeout before the node is marked DOWN).
 */
final class ManagerMetrics {

  private ManagerMetrics() {}

  static PrometheusRegistry of(ManagerGroup group, Leadership leadership) {
    PrometheusRegistry registry = new PrometheusRegistry();
    GaugeWithCallback.builder()
        .name("ringkv_manager_table_epoch")
        .help("Epoch of the ring table the manager publishes")
        .callback(cb -> table(group).ifPresent(t -> cb.call(t.epoch())))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_manager_leader")
        .help("1 if this manager leads the managers' group, else 0")
        .callback(cb -> cb.call(leadership.membership().isPresent() ? 1 : 0))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_manager_nodes")
        .help("Members of the cluster, by state")
        .labelNames("state")
        .callback(cb -> table(group).ifPresent(t -> {
          for (NodeState state : NodeState.values()) {
            cb.call(t.nodes().stream().filter(n -> n.state() == state).count(),
                state.name().toLowerCase(Locale.ROOT));
          }
        }))
        .register(registry);
    GaugeWithCallback.builder()
        .name("ringkv_manager_heartbeat_age_seconds")
        .help("Time since each node's last heartbeat reached the manager")
        .labelNames("node")
        .callback(cb -> leadership.membership().ifPresent(m -> m.heartbeatAgesMs()
            .forEach((node, ms) -> cb.call(ms / 1000.0, node))))
        .register(registry);
    CounterWithCallback.builder()
        .name("ringkv_manager_state_changes_total")
        .help("Nodes marked UP (joins included) or DOWN since the manager started")
        .labelNames("state")
        .callback(cb -> leadership.membership().ifPresent(m -> m.stateChanges()
            .forEach((state, count) -> cb.call(count, state.name().toLowerCase(Locale.ROOT)))))
        .register(registry);
    return registry;
  }

  private static Optional<RingTable> table(ManagerGroup group) {
    return Optional.ofNullable(group.table());
  }
}

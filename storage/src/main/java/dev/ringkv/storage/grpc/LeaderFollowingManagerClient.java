package dev.ringkv.storage.grpc;

import dev.ringkv.ring.RingTable;
import dev.ringkv.storage.membership.ManagerClient;
import dev.ringkv.wire.ManagerRedirect;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A {@link ManagerClient} over several managers: it keeps asking the one that last answered,
 * goes to the leader a follower names, and otherwise on to the next manager when one is down or
 * has no leader to name. With one manager it is that manager's client.
 */
public final class LeaderFollowingManagerClient implements ManagerClient {

  private final List<String> addresses;
  private final Map<String, ManagerClient> clients;
  private volatile int current;

  public LeaderFollowingManagerClient(List<String> addresses,
      Function<String, ManagerClient> clientFor) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no manager address");
    }
    this.addresses = List.copyOf(addresses);
    this.clients = this.addresses.stream().distinct()
        .collect(Collectors.toMap(a -> a, clientFor));
  }

  @Override
  public RingTable register(String nodeId, String address, String replaces, Duration maxDown) {
    return ask(c -> c.register(nodeId, address, replaces, maxDown));
  }

  @Override
  public Optional<RingTable> heartbeat(String nodeId, String address, long knownEpoch,
      Duration maxDown) {
    return ask(c -> c.heartbeat(nodeId, address, knownEpoch, maxDown));
  }

  @Override
  public void reconnectNow() {
    clients.values().forEach(ManagerClient::reconnectNow);
  }

  private <T> T ask(Function<ManagerClient, T> call) {
    ManagerRedirect.Answer<T> answer =
        ManagerRedirect.ask(addresses, current, a -> call.apply(clients.get(a)));
    current = answer.index();
    return answer.value();
  }
}

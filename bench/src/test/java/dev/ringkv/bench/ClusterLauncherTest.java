package dev.ringkv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterLauncherTest {

  private static final int FIRST_EPHEMERAL_PORT = 32_768;

  /**
   * An outgoing connection may take any port of the ephemeral range between the check and the
   * bind: a cluster's Raft port there once failed a start with "Address already in use".
   */
  @Test
  void everyPortOfAClusterItsRaftPortsIncludedLiesBelowTheEphemeralRange() throws Exception {
    for (int managers : new int[] {1, 3, 5}) {
      for (int run = 0; run < 100; run++) {
        int nodes = 64;
        int base = ClusterLauncher.freePortRange(2 * (nodes + managers), managers);
        assertThat(base + 2 * (nodes + managers) - 1).isLessThan(FIRST_EPHEMERAL_PORT);
        assertThat(base + managers - 1 + ClusterLauncher.RAFT_PORT_OFFSET).as("the highest Raft port")
            .isLessThan(FIRST_EPHEMERAL_PORT);
      }
    }
  }
}

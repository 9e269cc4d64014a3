package dev.ringkv.manager.replication;

import dev.ringkv.ring.Names;

/**
 * One manager of the group: its id, the address clients and nodes reach it at, and the port it
 * speaks Raft to the other managers on (0: any, for a manager alone).
 */
public record GroupMember(String id, String host, int port, int raftPort) {

  /** A manager's Raft port is its client port plus this. */
  public static final int RAFT_PORT_OFFSET = 10_000;

  public GroupMember {
    Names.checkNodeId(id);
    if (port < 0 || port > 65_535 || raftPort < 0 || raftPort > 65_535) {
      throw new IllegalArgumentException("the ports of manager " + id + " must be 0-65535, got "
          + port + " and " + raftPort);
    }
  }

  /** A manager at {@code host:port} speaking Raft on {@code port} + {@link #RAFT_PORT_OFFSET}. */
  public static GroupMember of(String id, String host, int port) {
    if (port + RAFT_PORT_OFFSET > 65_535) {
      throw new IllegalArgumentException("the port of manager " + id + " must be at most "
          + (65_535 - RAFT_PORT_OFFSET) + " (its Raft port is " + RAFT_PORT_OFFSET
          + " above it), got " + port);
    }
    return new GroupMember(id, host, port, port == 0 ? 0 : port + RAFT_PORT_OFFSET);
  }

  /** Parses {@code ID=HOST:PORT}. */
  public static GroupMember parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq < 1) {
      throw new IllegalArgumentException("a manager is given as ID=HOST:PORT, got '" + spec + "'");
    }
    String address = Names.checkAddress("address of manager " + spec.substring(0, eq),
        spec.substring(eq + 1));
    int colon = address.lastIndexOf(':');
    return of(spec.substring(0, eq), address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1)));
  }

  public String address() {
    return host + ":" + port;
  }
}

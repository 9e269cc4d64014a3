package dev.ringkv.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Cuts a node off with real iptables rules on 127.0.0.1: every inbound TCP packet to the node's
 * port is dropped, so nobody can reach it, while the node itself still reaches out (its
 * heartbeats go on and the manager keeps it UP: a gray failure). Needs root and iptables.
 * {@link #close()} removes every rule this object added, also when a test fails.
 */
final class Partitions implements AutoCloseable {

  private static final String TAG = "ringkv-test";
  private final Set<Integer> cutPorts = new LinkedHashSet<>();

  /**
   * @throws IllegalStateException with what to install when iptables cannot be used here
   */
  Partitions() {
    Result probe = run(List.of("iptables", "-w", "-S", "INPUT"));
    if (probe.exit != 0) {
      throw new IllegalStateException("the partition test needs iptables and root (CI "
          + "installs it: apt-get install -y iptables); 'iptables -S INPUT' said: " + probe.out);
    }
  }

  /** Drops every inbound TCP packet to {@code port} on 127.0.0.1. */
  synchronized void cut(int port) {
    if (cutPorts.add(port)) {
      check(run(rule("-I", port)), "add a rule");
    }
  }

  synchronized void heal(int port) {
    if (cutPorts.remove(port)) {
      check(run(rule("-D", port)), "remove a rule");
    }
  }

  @Override
  public synchronized void close() {
    for (Integer port : List.copyOf(cutPorts)) {
      heal(port);
    }
  }

  private static List<String> rule(String action, int port) {
    return List.of("iptables", "-w", action, "INPUT", "-p", "tcp", "-d", "127.0.0.1",
        "--dport", Integer.toString(port), "-m", "comment", "--comment", TAG, "-j", "DROP");
  }

  private record Result(int exit, String out) {}

  private static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted running " + command));
    }
  }

  private static void check(Result result, String what) {
    if (result.exit != 0) {
      throw new IllegalStateException("iptables could not " + what + ": " + result.out);
    }
  }

  /** For a failing test's report: the rules this class's tag still marks. */
  static List<String> leftoverRules() {
    List<String> left = new ArrayList<>();
    for (String line : run(List.of("iptables", "-w", "-S", "INPUT")).out.split("\n")) {
      if (line.contains(TAG)) {
        left.add(line);
      }
    }
    return left;
  }
}

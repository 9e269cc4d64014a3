package dev.ringkv.process;

import java.util.concurrent.ThreadFactory;
import org.slf4j.MDC;

/**
 * Threads for a process's own executors: named, so a thread dump says whose they are, and
 * daemons, so that an executor someone forgot cannot keep the JVM alive.
 */
public final class DaemonThreads {

  /** The logging MDC key naming the node (or manager) a thread works for. */
  public static final String NODE_KEY = "node";

  private DaemonThreads() {}

  /** A factory of daemon threads called {@code name}. */
  public static ThreadFactory named(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * A factory of daemon threads called {@code owner-role} that log as {@code owner}: their log
   * lines carry it in the MDC ({@link #NODE_KEY}), so several nodes in one JVM, as in tests,
   * each log under their own name.
   */
  public static ThreadFactory of(String owner, String role) {
    return named(owner + "-" + role, owner);
  }

  private static ThreadFactory named(String name, String owner) {
    ThreadFactory threads = named(name);
    return task -> threads.newThread(() -> {
      MDC.put(NODE_KEY, owner);
      task.run();
    });
  }
}

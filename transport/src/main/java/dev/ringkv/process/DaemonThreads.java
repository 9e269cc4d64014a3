package dev.ringkv.process;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for a process's own executors: named, so a thread dump says whose they are, and
 * daemons, so that an executor someone forgot cannot keep the JVM alive.
 */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** A factory of daemon threads called {@code name}. */
  public static ThreadFactory named(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}

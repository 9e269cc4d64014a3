package dev.ringkv.process;

import java.util.Optional;

/**
 * Where a server process logs, settled from its arguments before the first log line (the
 * logging set-up, {@link ServerLogging}, reads the properties set here).
 */
public final class ProcessLog {

  /** The option naming the log file; without it the process logs to stdout. */
  public static final String LOG_FILE_OPTION = "--log-file";

  static final String NAME_PROPERTY = "ringkv.node";
  static final String FILE_PROPERTY = "ringkv.log.file";

  private ProcessLog() {}

  /** Prefixes every line with {@code processName} and sends it where the arguments say. */
  public static void configure(String processName, String[] args) {
    System.setProperty(NAME_PROPERTY, processName);
    optionValue(args, LOG_FILE_OPTION).ifPresent(file -> System.setProperty(FILE_PROPERTY, file));
  }

  /** The value of {@code --name VALUE} or {@code --name=VALUE} in {@code args}, if given. */
  public static Optional<String> optionValue(String[] args, String name) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(name) && i + 1 < args.length) {
        return Optional.of(args[i + 1]);
      }
      if (args[i].startsWith(name + "=")) {
        return Optional.of(args[i].substring(name.length() + 1));
      }
    }
    return Optional.empty();
  }
}

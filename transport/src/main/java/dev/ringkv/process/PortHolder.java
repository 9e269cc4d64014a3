package dev.ringkv.process;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Names the process holding a TCP port, so that "address already in use" says who uses it.
 * Reads Linux's {@code /proc}; elsewhere, or without permission to look, it names no one.
 */
public final class PortHolder {

  private static final Path PROC = Path.of("/proc");
  private static final int MAX_COMMAND_CHARS = 200;

  private PortHolder() {}

  /**
   * The message for a server that failed to start on {@code port}: if it could not bind, the
   * process holding the port is named.
   */
  public static String explain(Throwable failure, int port) {
    String message = String.valueOf(failure.getMessage());
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // Netty's native transport reports it as its own exception, with the system's words.
      if (t instanceof BindException
          || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return message + ": port " + port + " is in use" + of(port)
            .map(holder -> " by " + holder).orElse(" (its holder could not be found)");
      }
    }
    return message;
  }

  /** Who holds TCP {@code port}: "pid N (command line)", if it can be found. */
  public static Optional<String> of(int port) {
    Set<String> sockets = new HashSet<>();
    for (String table : List.of("net/tcp", "net/tcp6")) {
      sockets.addAll(socketsOn(PROC.resolve(table), port));
    }
    if (sockets.isEmpty()) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path process : processes) {
        if (holdsAny(process, sockets)) {
          return Optional.of("pid " + process.getFileName() + " (" + commandOf(process) + ")");
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** The socket inodes bound to {@code port} in one of /proc/net/tcp's tables. */
  private static Set<String> socketsOn(Path table, int port) {
    Set<String> inodes = new HashSet<>();
    try {
      for (String line : Files.readAllLines(table, StandardCharsets.US_ASCII)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 10 || !fields[1].contains(":")) {
          continue; // the heading
        }
        String localPort = fields[1].substring(fields[1].indexOf(':') + 1);
        if (Integer.parseInt(localPort, 16) == port && !fields[9].equals("0")) {
          inodes.add("socket:[" + fields[9] + "]");
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: no one to name
    }
    return inodes;
  }

  private static boolean holdsAny(Path process, Set<String> sockets) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
      for (Path fd : fds) {
        try {
          if (sockets.contains(Files.readSymbolicLink(fd).toString())) {
            return true;
          }
        } catch (IOException e) {
          // closed while we looked
        }
      }
    } catch (IOException e) {
      // gone, or not ours to look at
    }
    return false;
  }

  /** The process's command line, a JVM's flags left out: what runs and its arguments. */
  private static String commandOf(Path process) {
    try {
      List<String> words = List.of(new String(Files.readAllBytes(process.resolve("cmdline")),
          StandardCharsets.UTF_8).split("\0"));
      int jar = words.indexOf("-jar");
      String command = jar < 1 ? String.join(" ", words)
          : words.get(0) + " ... " + String.join(" ", words.subList(jar, words.size()));
      return command.length() <= MAX_COMMAND_CHARS ? command
          : command.substring(0, MAX_COMMAND_CHARS) + "...";
    } catch (IOException e) {
      return "command unknown";
    }
  }
}

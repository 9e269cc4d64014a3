package dev.ringkv.it;

import dev.ringkv.client.cli.KvCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the command-line client's main in this JVM against one cluster, with its own cache. */
final class Cli {

  record Result(int exit, String out, String err) {
    String line() {
      return out.strip();
    }
  }

  private final String manager;
  private final Path tableCache;

  Cli(String manager, Path tableCache) {
    this.manager = manager;
    this.tableCache = tableCache;
  }

  Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--manager", manager, "--table-cache", tableCache.toString()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = KvCli.run(all.toArray(String[]::new),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(exit, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  String put(String key, String value) {
    Result r = run("--put", key, "--val", value);
    if (r.exit() != 0) {
      throw new AssertionError("put " + key + " exited " + r.exit() + ": " + r.err());
    }
    return r.line();
  }

  String get(String key) {
    Result r = run("--get", key);
    if (r.exit() != 0) {
      throw new AssertionError("get " + key + " exited " + r.exit() + ": " + r.err());
    }
    return r.line();
  }
}

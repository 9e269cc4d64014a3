package dev.ringkv.client.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a membership change or a repair may take before the tool gives up waiting. */
final class AdminWait {

  @Option(names = "--wait-timeout", paramLabel = "SECONDS",
      description = "How long to wait for the nodes to pull what they must "
          + "(default: ${DEFAULT-VALUE}); the change goes on if the tool stops waiting.")
  long seconds = 600;

  Duration duration() {
    return Duration.ofSeconds(seconds);
  }
}

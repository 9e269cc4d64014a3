package dev.ringkv.bench;

import picocli.CommandLine.Option;

/**
 * The shape of a measured load and its warm-up, shared by every benchmark that measures
 * throughput, so that figures of different stores come from the same load.
 */
final class LoadOptions {

  @Option(names = "--ops", description = "Measured operations per run (default: ${DEFAULT-VALUE}).")
  long ops = 200_000;

  @Option(names = "--warmup-ops", description = "Warm up with at least this many operations "
      + "(default: ${DEFAULT-VALUE}).")
  long warmupOps = 50_000;

  @Option(names = "--warmup-seconds", description = "Warm up for at least this long, then until "
      + "three 5-second windows run within 10%% of their mean rate and the last four ran no "
      + "more than 5%% faster than the four before them: the servers' optimizing compiler needs tens of seconds of load before "
      + "their code runs at full speed, and a server runs for days (default: ${DEFAULT-VALUE}).")
  double warmupSeconds = 60;

  @Option(names = "--warmup-max-seconds", description = "End a warm-up that has not settled by "
      + "then (default: ${DEFAULT-VALUE}).")
  double warmupMaxSeconds = 180;

  @Option(names = "--read-ratio", description = "Share of reads (default: ${DEFAULT-VALUE}).")
  double readRatio = 0.5;

  @Option(names = "--keys", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
  int keys = 10_000;

  @Option(names = "--value-size", description = "Value bytes (default: ${DEFAULT-VALUE}).")
  int valueSize = 16;

  @Option(names = "--concurrency", description = "Requests outstanding; more trades latency for "
      + "throughput (default: ${DEFAULT-VALUE}).")
  int concurrency = 256;

  void check() {
    if (ops < 1 || warmupOps < 0 || warmupSeconds < 0 || warmupMaxSeconds < warmupSeconds
        || keys < 1 || valueSize < 0 || concurrency < 1 || readRatio < 0 || readRatio > 1) {
      throw new IllegalArgumentException("--ops, --keys and --concurrency must be positive, "
          + "--warmup-ops, --warmup-seconds and --value-size not negative, --warmup-max-seconds "
          + "at least --warmup-seconds, --read-ratio within 0..1");
    }
  }

  LoadGenerator generator(LoadTarget target) {
    return new LoadGenerator(target, keys, valueSize, readRatio, concurrency);
  }

  /**
   * Writes every key once, so that reads find values, then runs the load in windows of about 5
   * seconds until {@link WarmUp} says the store is warm.
   */
  void loadAndWarmUp(LoadGenerator load, String label) throws InterruptedException {
    load.load(label + " load");
    WarmUp warmUp = new WarmUp(warmupOps, warmupSeconds, warmupMaxSeconds);
    long windowOps = Math.max(1, Math.min(warmupOps, 10_000));
    do {
      LoadGenerator.Measurement window = load.run(windowOps, label + " warm-up");
      warmUp.record(window.ops(), window.seconds());
      System.out.printf("  %s warm-up: %.0f s, %,.0f ops/s in the last window%n", label,
          warmUp.seconds(), warmUp.lastRate());
      windowOps = Math.max(1_000, (long) (warmUp.lastRate() * 5));
    } while (!warmUp.done());
  }
}

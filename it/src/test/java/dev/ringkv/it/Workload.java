package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ringkv.client.GetResult;
import dev.ringkv.client.KvClient;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The fault tests' clients, QUORUM with client defaults: eight threads, each with its own
 * client, each rewriting its own keys over and over (every write a new sequence) and reading
 * everybody's, every operation recorded in a {@link History}. {@link #stop} ends it;
 * {@link #check} reads every key's final value and checks the whole history.
 */
final class Workload implements AutoCloseable {

  private static final int THREADS = 8;
  private static final int KEYS_PER_THREAD = 4;

  private final History history = new History();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<KvClient> clients = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(THREADS);
  private boolean stopped;

  /** Starts the threads against {@code cluster}, with choices drawn from {@code random}. */
  Workload(LocalCluster cluster, Random random) {
    this(cluster::client, random);
  }

  /** Starts the threads, each with a client of {@code clients}. */
  Workload(Supplier<KvClient> newClient, Random random) {
    for (int t = 0; t < THREADS; t++) {
      KvClient kv = newClient.get();
      clients.add(kv);
      int thread = t;
      long threadSeed = random.nextLong();
      workers.submit(() -> work(kv, thread, new Random(threadSeed)));
    }
  }

  History history() {
    return history;
  }

  /** Stops the threads, waiting for their last operations, and closes their clients. */
  void stop() throws InterruptedException {
    if (stopped) {
      return;
    }
    stopped = true;
    running.set(false);
    workers.shutdown();
    assertThat(workers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    clients.forEach(KvClient::close);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  /**
   * Reads every key's final value from the (settled) cluster and checks the history against
   * them; prints the problems it found, tagged with {@code seed}.
   */
  History.Verdict check(LocalCluster cluster, long seed) {
    return check(cluster::client, seed);
  }

  /** As {@link #check(LocalCluster, long)}, reading with a client of {@code clients}. */
  History.Verdict check(Supplier<KvClient> clients, long seed) {
    History.Verdict verdict = history.check(finalValues(clients));
    System.out.printf("seed %d: %s%n", seed, verdict.summary());
    verdict.lost().stream().limit(20).forEach(l -> System.out.println("LOST " + l));
    verdict.stale().stream().limit(20).forEach(l -> System.out.println("STALE " + l));
    verdict.neverWritten().stream().limit(20).forEach(l -> System.out.println("BOGUS " + l));
    return verdict;
  }

  /** Every key the threads write. */
  static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      for (int k = 0; k < KEYS_PER_THREAD; k++) {
        keys.add(key(t, k));
      }
    }
    return keys;
  }

  /** Half writes of the thread's own keys (each a new sequence), half reads of any key. */
  private void work(KvClient kv, int thread, Random random) {
    long[] seq = new long[KEYS_PER_THREAD];
    while (running.get()) {
      long start = System.nanoTime();
      if (random.nextBoolean()) {
        int k = random.nextInt(KEYS_PER_THREAD);
        long s = ++seq[k];
        boolean ok = attempt(() -> kv.put(key(thread, k), "s" + s));
        history.add(new History.Op(true, key(thread, k), s, start, System.nanoTime(), ok));
      } else {
        String key = key(random.nextInt(THREADS), random.nextInt(KEYS_PER_THREAD));
        long[] read = {-1};
        boolean ok = attempt(() -> read[0] = seqOf(kv.get(key)));
        history.add(new History.Op(false, key, read[0], start, System.nanoTime(), ok));
      }
    }
  }

  private static boolean attempt(Runnable op) {
    try {
      op.run();
      return true;
    } catch (RuntimeException e) {
      System.out.println(LocalTime.now() + " failed: " + e.getMessage());
      return false;
    }
  }

  private static Map<String, Long> finalValues(Supplier<KvClient> clients) {
    Map<String, Long> values = new HashMap<>();
    try (KvClient kv = clients.get()) {
      for (String key : keys()) {
        values.put(key, seqOf(kv.get(key)));
      }
    }
    return values;
  }

  /**
   * The sequence a read saw: -1 for not found; for a value not of the writers' form "sN", one no
   * writer ever attempts, so the checker reports it as never written.
   */
  private static long seqOf(GetResult result) {
    return result.value()
        .map(v -> v.matches("s\\d{1,18}") ? Long.parseLong(v.substring(1)) : Long.MAX_VALUE)
        .orElse(-1L);
  }

  private static String key(int thread, int k) {
    return "t" + thread + "-k" + k;
  }
}

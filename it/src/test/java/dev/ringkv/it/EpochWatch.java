package dev.ringkv.it;

import dev.ringkv.client.KvClient;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches one client's table epoch in the background while it writes now and then (requests are
 * how a client hears of new tables); counts each time the epoch it routes with went back.
 */
final class EpochWatch implements AutoCloseable {
  private final KvClient kv;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong decreases = new AtomicLong();
  private final Thread thread;

  EpochWatch(KvClient kv) {
    this.kv = kv;
    this.thread = new Thread(this::watch, "epoch-watch");
    thread.start();
  }

  private void watch() {
    long last = -1;
    while (running.get()) {
      try {
        kv.put("epoch-watch", "x"); // requests are how a client hears of new tables
        long epoch = kv.table().epoch();
        if (epoch < last) {
          System.out.println("the client's epoch went back from " + last + " to " + epoch);
          decreases.incrementAndGet();
        }
        last = Math.max(last, epoch);
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a write that failed only puts off the next look at the epoch
      }
    }
  }

  long decreases() {
    return decreases.get();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join(10_000);
    kv.close();
  }
}

package dev.ringkv.wire;

import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much a node serves at once: at most {@code maxRequests} single-request calls and
 * {@code maxBytes} of requests (and, for streams, of their replies not yet handed to the
 * transport) held. Whoever takes a slot or bytes gives them back when the request is done.
 * New requests may take three quarters of the bytes; the last quarter is for what requests
 * already admitted need as they are served, and they may wait for it, in turn.
 */
public final class InFlightBudget {

  /** The part of the budget (one in this many) that new requests leave to admitted ones. */
  private static final int ADMITTED_REQUESTS_ROOM = 4;

  private final int maxRequests;
  private final long maxBytes;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();
  /** Requests already admitted waiting for bytes, oldest first; guarded by itself. */
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final AtomicInteger waiting = new AtomicInteger(); // waiters.size(), read without lock
  // One thread grants waiters at a time; a release meanwhile (perhaps by a granted waiter's own
  // work, run inline) asks it to look again rather than granting in a nested loop.
  private final AtomicBoolean granting = new AtomicBoolean();
  private final AtomicBoolean lookAgain = new AtomicBoolean();

  private record Waiter(long size, CompletableFuture<Boolean> held) {}

  public InFlightBudget(int maxRequests, long maxBytes) {
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  public boolean tryTakeSlot() {
    if (requests.incrementAndGet() > maxRequests) {
      requests.decrementAndGet();
      refusals.incrementAndGet();
      return false;
    }
    return true;
  }

  public void releaseSlot() {
    requests.decrementAndGet();
  }

  /**
   * Holds {@code size} bytes for a new request, if a quarter of the budget stays free: requests
   * already admitted may need more room as they are served (a read, for a large value it
   * fetches once it knows the value's size), and new requests must not leave them none.
   */
  public boolean tryAdmitBytes(long size) {
    return tryHoldBytes(size, maxAdmitBytes(maxBytes), true);
  }

  /** The most bytes new requests may hold together: three quarters of the budget. */
  public long maxAdmitBytes() {
    return maxAdmitBytes(maxBytes);
  }

  /** The most bytes new requests may hold together in a budget of {@code maxBytes}. */
  public static long maxAdmitBytes(long maxBytes) {
    return maxBytes - maxBytes / ADMITTED_REQUESTS_ROOM;
  }

  /** Holds {@code size} more bytes for a request already admitted, if the budget has room. */
  public boolean tryHoldBytes(long size) {
    return tryHoldBytes(size, maxBytes, true);
  }

  private boolean tryHoldBytes(long size, long limit, boolean countRefusal) {
    if (bytes.addAndGet(size) > limit) {
      bytes.addAndGet(-size);
      if (countRefusal) {
        refusals.incrementAndGet();
      }
      return false;
    }
    return true;
  }

  /**
   * Holds {@code size} more bytes for a request already admitted as soon as the budget has room,
   * after those that asked before. The future completes with true once they are held; whoever
   * gives up on it completes it with false (such as {@code completeOnTimeout}), and then the
   * bytes are never held.
   */
  public CompletableFuture<Boolean> holdBytesWhenFree(long size) {
    Waiter waiter = new Waiter(size, new CompletableFuture<>());
    synchronized (waiters) {
      if (waiters.isEmpty() && tryHoldBytes(size, maxBytes, false)) {
        return CompletableFuture.completedFuture(true);
      }
      waiters.add(waiter);
      waiting.incrementAndGet();
    }
    grantWaiters(); // room may have come back before the waiter was queued
    return waiter.held();
  }

  /** Holds bytes for the waiters in turn while they fit; drops those given up on. */
  private void grantWaiters() {
    lookAgain.set(true);
    while (lookAgain.get() && granting.compareAndSet(false, true)) {
      try {
        lookAgain.set(false);
        grantInTurn();
      } finally {
        granting.set(false);
      }
    }
  }

  private void grantInTurn() {
    while (waiting.get() > 0) {
      Waiter granted;
      synchronized (waiters) {
        Waiter first = waiters.peek();
        if (first == null
            || !first.held().isDone() && !tryHoldBytes(first.size(), maxBytes, false)) {
          return;
        }
        waiters.poll();
        waiting.decrementAndGet();
        granted = first.held().isDone() ? null : first;
      }
      if (granted != null && !granted.held().complete(true)) {
        bytes.addAndGet(-granted.size()); // given up on meanwhile
      }
    }
  }

  /** Counts {@code size} bytes that are already in memory (a reply), whatever the limit. */
  public void holdBytes(long size) {
    bytes.addAndGet(size);
  }

  /** The bytes held now. */
  public long heldBytes() {
    return bytes.get();
  }

  /** How many times a slot or bytes were refused, since the budget was made. */
  public long refusals() {
    return refusals.get();
  }

  public long maxBytes() {
    return maxBytes;
  }

  public void releaseBytes(long size) {
    bytes.addAndGet(-size);
    if (waiting.get() > 0) {
      grantWaiters();
    }
  }

  /** Gives back a slot and {@code size} bytes. */
  public void release(long size) {
    releaseBytes(size);
    releaseSlot();
  }

  /** The refusal of a request that finds every slot taken. */
  public Status overRequests(String nodeId) {
    return overloaded(nodeId, maxRequests + " requests in flight");
  }

  /** The refusal of a request that finds the bytes used up. */
  public Status overBytes(String nodeId) {
    return overloaded(nodeId, "over " + maxBytes + " bytes of requests in flight");
  }

  private static Status overloaded(String nodeId, String what) {
    return Status.RESOURCE_EXHAUSTED.withDescription(
        nodeId + " is overloaded (" + what + "); retry with backoff");
  }
}

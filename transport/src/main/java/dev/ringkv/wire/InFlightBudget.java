package dev.ringkv.wire;

import io.grpc.Status;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much a node serves at once: at most {@code maxRequests} single-request calls and
 * {@code maxBytes} of requests (and, for streams, of their replies not yet handed to the
 * transport) held. Whoever takes a slot or bytes gives them back when the request is done.
 */
public final class InFlightBudget {

  private final int maxRequests;
  private final long maxBytes;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();

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

  public boolean tryHoldBytes(long size) {
    if (bytes.addAndGet(size) > maxBytes) {
      bytes.addAndGet(-size);
      refusals.incrementAndGet();
      return false;
    }
    return true;
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

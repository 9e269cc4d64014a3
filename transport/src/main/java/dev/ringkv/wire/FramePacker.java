package dev.ringkv.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/** Packs everything queued into as few frames as a size limit allows, in queue order. */
final class FramePacker {

  private FramePacker() {}

  /**
   * Takes every item from {@code queue} and hands them to {@code send} in batches of at most
   * {@code maxBytes}; an item larger than that goes alone.
   */
  static <T> void drain(Queue<T> queue, ToIntFunction<T> sizeOf, int maxBytes,
      Consumer<List<T>> send) {
    drain(queue, sizeOf, maxBytes, send, () -> true);
  }

  /**
   * As above, but starts a batch only while {@code mayStart} says so (the transport is ready
   * for more); what is left stays queued. Only one caller may drain a queue at a time.
   */
  static <T> void drain(Queue<T> queue, ToIntFunction<T> sizeOf, int maxBytes,
      Consumer<List<T>> send, BooleanSupplier mayStart) {
    while (!queue.isEmpty() && mayStart.getAsBoolean()) {
      List<T> frame = new ArrayList<>();
      int bytes = 0;
      for (T item = queue.peek(); item != null; item = queue.peek()) {
        int size = sizeOf.applyAsInt(item);
        if (!frame.isEmpty() && bytes + size > maxBytes) {
          break;
        }
        queue.poll();
        frame.add(item);
        bytes += size;
      }
      send.accept(frame);
    }
  }
}

package dev.ringkv.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
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
    List<T> frame = new ArrayList<>();
    int bytes = 0;
    for (T item = queue.poll(); item != null; item = queue.poll()) {
      int size = sizeOf.applyAsInt(item);
      if (!frame.isEmpty() && bytes + size > maxBytes) {
        send.accept(frame);
        frame = new ArrayList<>();
        bytes = 0;
      }
      frame.add(item);
      bytes += size;
    }
    if (!frame.isEmpty()) {
      send.accept(frame);
    }
  }
}

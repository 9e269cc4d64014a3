package dev.ringkv.client;

import java.util.Objects;

/** What the client refuses before sending: requests the nodes would refuse, or garble. */
final class ClientInput {

  private ClientInput() {}

  /** @throws IllegalArgumentException if the key is empty or not valid Unicode */
  static void checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    checkUnicode(key, "key");
  }

  /**
   * UTF-8 cannot carry a lone surrogate; Java would silently send '?' in its place.
   *
   * @throws IllegalArgumentException if {@code text} holds one
   */
  static void checkUnicode(String text, String what) {
    Objects.requireNonNull(text, what);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            what + " is not valid Unicode: unpaired surrogate at index " + i);
      }
    }
  }

  /**
   * The refusal of a value over the client's limit. Refused here: a message over a node's limit
   * fails the stream it travels on, and the retries that follow would end in "unavailable", not
   * in the refusal it is.
   */
  static KvException valueTooLarge(int valueBytes, int maxValueBytes) {
    return new KvException(KvException.Reason.INVALID_ARGUMENT,
        "value is " + valueBytes + " bytes, over the limit of " + maxValueBytes
            + " bytes (a cluster whose nodes take larger values needs the same "
            + "--max-value-bytes here)");
  }
}

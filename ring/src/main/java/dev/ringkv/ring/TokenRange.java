package dev.ringkv.ring;

/**
 * The ring range {@code (start, end]} that the token {@code end} owns; it wraps past the end of
 * the signed 64-bit space when {@code start >= end}. A ring with a single token has one range,
 * {@code (t, t]}, which is the whole ring. Every key in a range has the same replicas.
 */
public record TokenRange(long start, long end) {

  public boolean contains(long token) {
    if (start < end) {
      return token > start && token <= end;
    }
    return token > start || token <= end; // wraps (or the whole ring when start == end)
  }

  @Override
  public String toString() {
    return "(" + start + ", " + end + "]";
  }
}

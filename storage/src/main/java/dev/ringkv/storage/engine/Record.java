package dev.ringkv.storage.engine;

import dev.ringkv.version.Version;
import java.util.Arrays;
import java.util.Objects;

/** A versioned value, or a versioned tombstone for a delete. */
public final class Record {

  private static final byte[] NO_VALUE = new byte[0];

  private final Version version;
  private final byte[] value;
  private final boolean tombstone;

  private Record(Version version, byte[] value, boolean tombstone) {
    this.version = Objects.requireNonNull(version, "version");
    this.value = value;
    this.tombstone = tombstone;
  }

  public static Record value(Version version, byte[] value) {
    return new Record(version, Objects.requireNonNull(value, "value"), false);
  }

  public static Record tombstone(Version version) {
    return new Record(version, NO_VALUE, true);
  }

  public Version version() {
    return version;
  }

  /** The stored bytes; empty for a tombstone. Callers must not modify the array. */
  public byte[] value() {
    return value;
  }

  public boolean isTombstone() {
    return tombstone;
  }

  /** True if this record should replace {@code other} under last-write-wins. */
  public boolean supersedes(Record other) {
    return other == null || version.isNewerThan(other.version);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Record r && version.equals(r.version) && tombstone == r.tombstone
        && Arrays.equals(value, r.value);
  }

  @Override
  public int hashCode() {
    return version.hashCode();
  }

  @Override
  public String toString() {
    return tombstone ? "tombstone@" + version : value.length + " bytes@" + version;
  }
}

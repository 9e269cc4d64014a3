package dev.ringkv.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads a secret (a client token, a cluster secret) from a file: its first line, trimmed. A
 * secret others on the machine can read, or one short enough to guess, is refused with a
 * sentence that says how to fix it.
 */
public final class SecretFile {

  /** The shortest secret accepted. */
  public static final int MIN_LENGTH = 16;
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private SecretFile() {}

  /**
   * @param what what the secret is, for the messages ("token file")
   * @throws IllegalArgumentException if the file is missing, unreadable, readable by others,
   *     empty, too short, or not printable ASCII without spaces
   */
  public static String read(Path file, String what) {
    String text;
    try {
      Set<PosixFilePermission> open = EnumSet.copyOf(OTHERS);
      open.retainAll(permissions(file));
      if (!open.isEmpty()) {
        throw new IllegalArgumentException(what + " " + file + " can be read or written by other "
            + "users (" + open + "); make it private: chmod 600 " + file);
      }
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e.getMessage());
    }
    int newline = text.indexOf('\n');
    String secret = newline < 0 ? text : text.substring(0, newline).strip();
    if (!secret.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "the secret in " + what + " " + file + " must be printable ASCII without spaces");
    }
    if (secret.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("the secret in " + what + " " + file + " is "
          + secret.length() + " characters; it needs at least " + MIN_LENGTH
          + " (make one with: openssl rand -hex 32)");
    }
    return secret;
  }

  private static Set<PosixFilePermission> permissions(Path file) throws IOException {
    try {
      return Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return Set.of(); // a file system without POSIX permissions: nothing to check
    }
  }
}

package dev.ringkv.storage.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When this node first saw itself LEAVING, kept in a file of its data directory: a leaving node
 * started again counts the time it has missed its ranges' deletes from then, not from its start
 * (counting from its start, it would hand over copies whose deletes may have been purged).
 */
public final class LeavingMark {

  private static final Logger log = LoggerFactory.getLogger(LeavingMark.class);
  /** The file, in the node's data directory: when it first saw itself LEAVING, in epoch ms. */
  public static final String FILE_NAME = "leaving-since";
  private static final long NOT_LEAVING = -1;

  private final Path file; // null: kept in memory only
  private long sinceMs;

  private LeavingMark(Path file, long sinceMs) {
    this.file = file;
    this.sinceMs = sinceMs;
  }

  /** The mark kept in {@code dataDir}, as a previous run left it. */
  public static LeavingMark in(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    try {
      return new LeavingMark(file, Long.parseLong(Files.readString(file).strip()));
    } catch (NoSuchFileException notLeaving) {
      return new LeavingMark(file, NOT_LEAVING);
    } catch (IOException | NumberFormatException e) {
      // Unreadable: the node may have been leaving for any time, so it hands nothing over.
      log.warn("{} cannot be read ({}): counting this node as LEAVING for as long as can be",
          file, e.toString());
      return new LeavingMark(file, 0);
    }
  }

  /** A mark kept in memory only. */
  static LeavingMark inMemory() {
    return new LeavingMark(null, NOT_LEAVING);
  }

  /** When this node first saw itself LEAVING: {@code nowMs} if that is now. */
  long leavingSince(long nowMs) {
    if (sinceMs == NOT_LEAVING) {
      write(Long.toString(nowMs));
      sinceMs = nowMs;
    }
    return sinceMs;
  }

  /** This node is not LEAVING (any more). */
  void clear() {
    if (sinceMs != NOT_LEAVING) {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete " + file, e);
        }
      }
      sinceMs = NOT_LEAVING;
    }
  }

  private void write(String text) {
    if (file == null) {
      return;
    }
    try {
      Path partial = file.resolveSibling(FILE_NAME + ".partial");
      Files.writeString(partial, text, StandardCharsets.UTF_8);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}

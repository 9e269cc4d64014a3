package dev.ringkv.ring;

import java.util.regex.Pattern;

/** What node ids and addresses may look like: the one place every process checks them. */
public final class Names {

  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9.-]{1,253}:(\\d{1,5})");

  private Names() {}

  /** @throws IllegalArgumentException unless {@code id} is 1-64 letters, digits, '.', '_', '-' */
  public static String checkNodeId(String id) {
    return checkId("node id", id);
  }

  /**
   * An id of the node-id form (a node's, a client's as a writer).
   *
   * @param what the name of the id in the message, such as "writer id"
   */
  public static String checkId(String what, String id) {
    if (id == null || !NODE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(what + " '" + shorten(id)
          + "' must be 1-64 letters, digits, '.', '_' or '-'");
    }
    return id;
  }

  /**
   * @param what the name of the address in the message, such as "manager address"
   * @throws IllegalArgumentException unless {@code address} is host:port with a port 1-65535
   */
  public static String checkAddress(String what, String address) {
    var m = address == null ? null : ADDRESS.matcher(address);
    if (m == null || !m.matches() || Integer.parseInt(m.group(1)) < 1
        || Integer.parseInt(m.group(1)) > 65535) {
      throw new IllegalArgumentException(what + " '" + shorten(address)
          + "' is not host:port (a host name or IP address, and a port 1-65535)");
    }
    return address;
  }

  /** A value fit to quote in a message or a log line: short, one line, printable. */
  private static String shorten(String s) {
    if (s == null) {
      return "null";
    }
    String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() <= 80 ? printable : printable.substring(0, 80) + "... ("
        + s.length() + " characters)";
  }
}

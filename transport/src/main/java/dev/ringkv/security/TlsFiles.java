package dev.ringkv.security;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The PEM files of one TLS identity: the cluster CA certificate to trust, and optionally this
 * party's certificate chain and PKCS#8 private key (needed to serve, and to prove membership of
 * the cluster to peers).
 *
 * <p>A certificate directory made by {@code scripts/gen_certs.sh} holds {@code ca.crt} and
 * {@code ID.crt}/{@code ID.key} for each id ({@code manager}, {@code server1}, ..., {@code admin}).
 */
public record TlsFiles(Path caCert, Path certChain, Path privateKey) {

  public TlsFiles {
    requireReadable(caCert, "CA certificate");
    if ((certChain == null) != (privateKey == null)) {
      throw new IllegalArgumentException("a certificate needs its private key and vice versa");
    }
    if (certChain != null) {
      requireReadable(certChain, "certificate");
      requireReadable(privateKey, "private key");
    }
  }

  /** The identity {@code id} in a certificate directory: {@code ca.crt}, {@code ID.crt}, {@code ID.key}. */
  public static TlsFiles identity(Path dir, String id) {
    return new TlsFiles(dir.resolve("ca.crt"), dir.resolve(id + ".crt"), dir.resolve(id + ".key"));
  }

  /** Trust only: enough for a client of the client-facing service. */
  public static TlsFiles trustOnly(Path caCert) {
    return new TlsFiles(caCert, null, null);
  }

  public boolean hasIdentity() {
    return certChain != null;
  }

  private static void requireReadable(Path file, String what) {
    if (file == null || !Files.isReadable(file)) {
      throw new IllegalArgumentException("TLS " + what + " " + file + " does not exist or cannot "
          + "be read (scripts/gen_certs.sh DIR makes a cluster's certificates)");
    }
  }
}

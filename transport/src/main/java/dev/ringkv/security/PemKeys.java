package dev.ringkv.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The JDK's key and trust managers for a {@link TlsFiles} identity, for libraries that take
 * those rather than PEM files (the managers' Raft transport).
 */
public final class PemKeys {

  private PemKeys() {}

  /** Presents the identity's certificate chain and proves it with its PKCS#8 key (EC or RSA). */
  public static X509KeyManager keyManager(TlsFiles files) throws IOException {
    try {
      List<? extends Certificate> chain = certificates(files.certChain());
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setKeyEntry("identity", privateKey(files.privateKey()), new char[0],
          chain.toArray(Certificate[]::new));
      KeyManagerFactory factory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, new char[0]);
      return (X509KeyManager) factory.getKeyManagers()[0];
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the key and certificate " + files.privateKey() + ", "
          + files.certChain() + ": " + e.getMessage(), e);
    }
  }

  /** Trusts certificates the cluster CA signed, and nothing else. */
  public static X509TrustManager caTrust(TlsFiles files) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate ca : certificates(files.caCert())) {
        store.setCertificateEntry("ca" + i++, ca);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return (X509TrustManager) factory.getTrustManagers()[0];
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the CA certificate " + files.caCert() + ": "
          + e.getMessage(), e);
    }
  }

  private static List<? extends Certificate> certificates(Path pem)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
    }
  }

  private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException("the key is not a PKCS#8 PEM key (BEGIN PRIVATE KEY)");
    }
    byte[] der = Base64.getMimeDecoder().decode(
        text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (GeneralSecurityException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }
}

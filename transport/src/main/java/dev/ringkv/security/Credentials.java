package dev.ringkv.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;

/** gRPC credentials from {@link TlsFiles}; plaintext when there are none. */
public final class Credentials {

  private Credentials() {}

  /**
   * Server credentials: TLS with this party's certificate; a client certificate signed by the
   * cluster CA is verified when offered but not required by the handshake, so plain clients of
   * the client-facing service can connect. {@link AccessPolicy} decides which RPCs need one.
   */
  public static ServerCredentials server(TlsFiles tls) {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    if (!tls.hasIdentity()) {
      throw new IllegalArgumentException("a TLS server needs a certificate and private key");
    }
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(tls.certChain().toFile(), tls.privateKey().toFile())
          .trustManager(tls.caCert().toFile())
          .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load TLS files: " + e.getMessage(), e);
    }
  }

  /** Channel credentials: TLS trusting the cluster CA, presenting this party's certificate if any. */
  public static ChannelCredentials channel(TlsFiles tls) {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder()
          .trustManager(tls.caCert().toFile());
      if (tls.hasIdentity()) {
        b.keyManager(tls.certChain().toFile(), tls.privateKey().toFile());
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load TLS files: " + e.getMessage(), e);
    }
  }
}

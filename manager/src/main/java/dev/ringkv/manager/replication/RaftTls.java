package dev.ringkv.manager.replication;

import dev.ringkv.security.AccessPolicy;
import dev.ringkv.security.PeerIdentity;
import dev.ringkv.security.PemKeys;
import dev.ringkv.security.TlsFiles;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS for the managers' Raft traffic: each manager presents the managers' certificate,
 * and accepts a peer only if the cluster CA signed its certificate and it names the managers'
 * identity, so a storage node's or the operator's certificate cannot speak Raft to a manager.
 */
final class RaftTls {

  private RaftTls() {}

  static GrpcTlsConfig of(TlsFiles managers) throws IOException {
    return new GrpcTlsConfig(PemKeys.keyManager(managers),
        new ManagersOnly(PemKeys.caTrust(managers)), true);
  }

  /** The cluster CA's trust, narrowed to certificates of the managers' identity. */
  static final class ManagersOnly implements X509TrustManager {
    private final X509TrustManager ca;

    ManagersOnly(X509TrustManager ca) {
      this.ca = ca;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      ca.checkClientTrusted(chain, authType);
      requireManager(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      ca.checkServerTrusted(chain, authType);
      requireManager(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return ca.getAcceptedIssuers();
    }

    private static void requireManager(X509Certificate[] chain) throws CertificateException {
      String id = PeerIdentity.of(chain[0]);
      if (!AccessPolicy.MANAGER.equals(id)) {
        throw new CertificateException("only the managers may speak Raft to a manager, not "
            + id);
      }
    }
  }
}

package dev.ringkv.security;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who may call what, checked before a call reaches its service:
 * <ul>
 *   <li>internal RPCs (replica traffic, registration, heartbeats) need a client certificate
 *       signed by the cluster CA when TLS is on;
 *   <li>client-facing RPCs need the cluster's bearer token when a token is set.
 * </ul>
 */
public final class AccessPolicy implements ServerInterceptor {

  /** Services whose every method is internal. */
  private static final Set<String> INTERNAL_SERVICES = Set.of("ringkv.v1.Replica");
  /** Single internal methods of otherwise client-facing services. */
  private static final Set<String> INTERNAL_METHODS =
      Set.of("ringkv.v1.Manager/Register", "ringkv.v1.Manager/Heartbeat");

  private final boolean tls;
  private final byte[] token;

  /**
   * @param tls whether the server runs TLS (so internal RPCs can demand a client certificate)
   * @param token the bearer token client-facing RPCs need, or null for none
   */
  public AccessPolicy(boolean tls, String token) {
    this.tls = tls;
    this.token = token == null ? null : (BearerToken.PREFIX + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String service = call.getMethodDescriptor().getServiceName();
    boolean internal = INTERNAL_SERVICES.contains(service) || INTERNAL_METHODS.contains(method);
    Status denied = internal ? checkCertificate(call) : checkToken(headers);
    if (denied != null) {
      call.close(denied, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private Status checkCertificate(ServerCall<?, ?> call) {
    if (!tls) {
      return null;
    }
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    try {
      if (session != null && session.getPeerCertificates().length > 0) {
        return null; // the handshake verified it against the cluster CA
      }
    } catch (SSLPeerUnverifiedException e) {
      // no certificate offered
    }
    return Status.PERMISSION_DENIED.withDescription(
        "this RPC is internal to the cluster and needs a client certificate from the cluster CA");
  }

  private Status checkToken(Metadata headers) {
    if (token == null) {
      return null;
    }
    String offered = headers.get(BearerToken.AUTHORIZATION);
    if (offered == null) {
      return Status.UNAUTHENTICATED.withDescription("this cluster needs a bearer token "
          + "(give the client --token-file)");
    }
    // Constant-time comparison: timing must not reveal how much of a guess was right.
    if (!MessageDigest.isEqual(token, offered.getBytes(StandardCharsets.UTF_8))) {
      return Status.UNAUTHENTICATED.withDescription("the bearer token is not valid");
    }
    return null;
  }
}

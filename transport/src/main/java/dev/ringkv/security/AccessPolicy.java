package dev.ringkv.security;

import dev.ringkv.ring.Names;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who may call what, checked before a call reaches its service.
 * <ul>
 *   <li>Internal RPCs (replica traffic, registration, heartbeats) need a node identity: with TLS
 *       a client certificate of the cluster CA, whose common name is the identity; without TLS
 *       but with a cluster secret, the secret and the node id it vouches for
 *       ({@link ClusterSecret}). With neither, the cluster trusts its network and anyone may
 *       call them. The {@code admin} identity reaches only {@link #ADMIN_METHODS}.
 *   <li>Client-facing RPCs need the cluster's bearer token when a token is set.
 * </ul>
 * The identity is handed to the service in {@link #CALLER}: services check that a caller claims
 * only what its identity allows (a node registers only its own id, and only members of the
 * table send replica traffic).
 */
public final class AccessPolicy implements ServerInterceptor {

  /** The authenticated identity of the caller of an internal RPC; unset in an open cluster. */
  public static final Context.Key<String> CALLER = Context.key("ringkv-caller");
  /** The identity operators' tools use (status, inspection); it is not a node. */
  public static final String ADMIN = "admin";
  /** Identities no node may take. */
  /** The managers' identity: their certificate's name, or the id they send the secret with. */
  public static final String MANAGER = "manager";
  public static final Set<String> RESERVED_IDS = Set.of(ADMIN, MANAGER);

  /** Services whose every method is internal. */
  private static final Set<String> INTERNAL_SERVICES =
      Set.of("ringkv.v1.Replica", "ringkv.v1.Admin", "ringkv.v1.ClusterAdmin");
  /** Services only the admin identity may call: no node may change the membership. */
  private static final Set<String> ADMIN_ONLY_SERVICES = Set.of("ringkv.v1.ClusterAdmin");
  /** Single internal methods of otherwise client-facing services. */
  private static final Set<String> INTERNAL_METHODS =
      Set.of("ringkv.v1.Manager/Register", "ringkv.v1.Manager/Heartbeat");
  /** The internal methods the admin identity may call: inspection and membership changes. */
  private static final Set<String> ADMIN_METHODS = Set.of(
      "ringkv.v1.Admin/NodeStatus",
      "ringkv.v1.Admin/Repair",
      "ringkv.v1.Replica/Read",
      "ringkv.v1.ClusterAdmin/RemoveNode",
      "ringkv.v1.ClusterAdmin/Decommission");

  private final boolean tls;
  private final byte[] token;
  private final byte[] clusterSecret;

  /**
   * @param tls whether the server runs TLS (so internal RPCs demand a client certificate)
   * @param token the bearer token client-facing RPCs need, or null for none
   * @param clusterSecret the secret internal RPCs need without TLS, or null for none
   */
  public AccessPolicy(boolean tls, String token, String clusterSecret) {
    this.tls = tls;
    this.token = token == null ? null : bytes(BearerToken.PREFIX + token);
    this.clusterSecret = clusterSecret == null ? null : bytes(clusterSecret);
  }

  /** The identity of the current call's caller, or null in an open cluster. */
  public static String caller() {
    return CALLER.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String service = call.getMethodDescriptor().getServiceName();
    boolean internal = INTERNAL_SERVICES.contains(service) || INTERNAL_METHODS.contains(method);
    if (!internal) {
      Status denied = checkToken(headers);
      return denied == null ? next.startCall(call, headers) : refuse(call, denied);
    }
    Identified who = identify(call, headers);
    if (who.refusal != null) {
      return refuse(call, who.refusal);
    }
    if (ADMIN.equals(who.id) && !ADMIN_METHODS.contains(method)) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "the admin identity may only inspect nodes and change the membership, not call "
              + method));
    }
    if (who.id != null && !ADMIN.equals(who.id) && ADMIN_ONLY_SERVICES.contains(service)) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "only the admin identity may change the cluster's membership, not " + who.id));
    }
    if (who.id == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, who.id), call, headers,
        next);
  }

  /** An identity, or why there is none; both null in an open cluster. */
  private record Identified(String id, Status refusal) {}

  private Identified identify(ServerCall<?, ?> call, Metadata headers) {
    if (tls) {
      String id = certificateName(call);
      return id != null ? new Identified(id, null) : new Identified(null, Status.PERMISSION_DENIED
          .withDescription("this RPC is internal to the cluster and needs a client certificate "
              + "from the cluster CA"));
    }
    if (clusterSecret == null) {
      return new Identified(null, null);
    }
    String offered = headers.get(ClusterSecret.SECRET);
    String id = headers.get(ClusterSecret.NODE_ID);
    if (offered == null || id == null) {
      return new Identified(null, Status.UNAUTHENTICATED.withDescription(
          "this RPC is internal to the cluster and needs the cluster secret"));
    }
    if (!MessageDigest.isEqual(clusterSecret, bytes(offered))) {
      return new Identified(null, Status.UNAUTHENTICATED.withDescription(
          "the cluster secret is not valid"));
    }
    try {
      return new Identified(Names.checkNodeId(id), null);
    } catch (IllegalArgumentException e) {
      return new Identified(null, Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    }
  }

  /** The common name of the verified client certificate, or null if none was offered. */
  private static String certificateName(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return null;
      }
      // The handshake verified the chain against the cluster CA; the name is the identity.
      return PeerIdentity.of(leaf);
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
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
    if (!MessageDigest.isEqual(token, bytes(offered))) {
      return Status.UNAUTHENTICATED.withDescription("the bearer token is not valid");
    }
    return null;
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

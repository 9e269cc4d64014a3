package dev.ringkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvException;
import dev.ringkv.proto.ManagerGrpc;
import dev.ringkv.proto.RegisterRequest;
import dev.ringkv.proto.ReplicaGrpc;
import dev.ringkv.proto.ReplicaReadRequest;
import dev.ringkv.ring.RingTable;
import dev.ringkv.security.Credentials;
import dev.ringkv.security.TlsFiles;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A cluster started with TLS and a client token: who gets in and who does not. */
@Timeout(240)
class SecurityIT {

  @TempDir static Path tmp;
  static Path certs;
  static Path token;

  @BeforeAll
  static void makeCertificatesAndToken() throws Exception {
    certs = tmp.resolve("certs");
    Path output = tmp.resolve("gen_certs.out");
    Process gen = new ProcessBuilder(LocalCluster.ROOT.resolve("scripts/gen_certs.sh").toString(),
        certs.toString(), "--nodes", "3").redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    assertThat(gen.waitFor()).as(() -> "gen_certs.sh failed: " + read(output)).isZero();
    token = LocalCluster.privateFile(tmp.resolve("token"), "s3cret-token-for-tests");
  }

  @Test
  void tlsClusterServesTheCaTrustingClientAndKeepsEveryoneElseOut() throws Exception {
    LocalCluster.Options secured = LocalCluster.Options.defaults().secured(certs, null);
    try (LocalCluster cluster = LocalCluster.start(3, 2, secured)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("table.pb"));
      Cli.Result put = cli.run("--put", "k", "--val", "v", "--tls", certs.toString());
      assertThat(put.exit()).as(put.err()).isZero();
      Cli.Result get = cli.run("--get", "k", "--cacert", certs.resolve("ca.crt").toString());
      assertThat(get.line()).startsWith("k, v, server");

      try (KvClient plaintext = KvClient.builder().manager(cluster.managerAddress())
          .attemptTimeout(java.time.Duration.ofMillis(500))
          .deadline(java.time.Duration.ofSeconds(2)).build()) {
        assertThatThrownBy(() -> plaintext.get("k")).isInstanceOf(KvException.class)
            .extracting(e -> ((KvException) e).reason()).isEqualTo(KvException.Reason.NO_CLUSTER);
      }

      // TLS, but without a certificate of the cluster: the internal RPCs refuse it.
      String node = cluster.address("server1");
      ManagedChannel anonymous = Grpc.newChannelBuilder(node,
          Credentials.channel(TlsFiles.trustOnly(certs.resolve("ca.crt")))).build();
      ManagedChannel admin = Grpc.newChannelBuilder(node,
          Credentials.channel(TlsFiles.identity(certs, "admin"))).build();
      ManagedChannel anonymousToManager = Grpc.newChannelBuilder(cluster.managerAddress(),
          Credentials.channel(TlsFiles.trustOnly(certs.resolve("ca.crt")))).build();
      try {
        ReplicaReadRequest read = ReplicaReadRequest.newBuilder().setKey("k").build();
        assertThatThrownBy(() -> ReplicaGrpc.newBlockingStub(anonymous)
            .withDeadlineAfter(5, TimeUnit.SECONDS).read(read))
            .isInstanceOf(StatusRuntimeException.class)
            .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED))
            .hasMessageContaining("needs a client certificate from the cluster CA");
        assertThat(ReplicaGrpc.newBlockingStub(admin).withDeadlineAfter(5, TimeUnit.SECONDS)
            .read(read).getRecord().getValue().toStringUtf8())
            .as("with the cluster's admin certificate").isIn("v", "");

        RingTable before = cluster.table();
        assertThatThrownBy(() -> ManagerGrpc.newBlockingStub(anonymousToManager)
            .withDeadlineAfter(5, TimeUnit.SECONDS).register(RegisterRequest.newBuilder()
                .setNodeId("intruder").setAddress("127.0.0.1:1").build()))
            .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(cluster.table().nodes()).isEqualTo(before.nodes());
      } finally {
        anonymous.shutdownNow();
        admin.shutdownNow();
        anonymousToManager.shutdownNow();
      }
    }
  }

  @Test
  void tokenClusterRefusesMissingAndWrongTokensAndWritesNothing() throws Exception {
    LocalCluster.Options secured =
        LocalCluster.Options.defaults().secured(certs, token).withMetrics();
    try (LocalCluster cluster = LocalCluster.start(3, 2, secured)) {
      Cli cli = new Cli(cluster.managerAddress(), tmp.resolve("token-table.pb"));
      for (String id : List.of("manager", "server1")) {
        String metrics = "http://127.0.0.1:" + cluster.metricsPort(id) + "/metrics";
        assertThat(httpStatus(metrics, null)).as(id + "'s metrics without the token")
            .isEqualTo(401);
        assertThat(httpStatus(metrics, "not-the-token")).as(id + "'s metrics, wrong token")
            .isEqualTo(401);
        assertThat(httpStatus(metrics, read(token).strip())).as(id + "'s metrics with it")
            .isEqualTo(200);
      }
      String tls = certs.toString();
      assertThat(cli.run("--put", "k", "--val", "right", "--tls", tls,
          "--token-file", token.toString()).exit()).isZero();

      Cli.Result missing = cli.run("--put", "k", "--val", "missing", "--tls", tls);
      assertThat(missing.exit()).isEqualTo(7);
      assertThat(missing.err().strip())
          .isEqualTo("error: this cluster needs a bearer token (give the client --token-file)");

      Path wrong = LocalCluster.privateFile(tmp.resolve("wrong-token"), "not-the-token-at-all");
      Cli.Result bad = new Cli(cluster.managerAddress(), tmp.resolve("fresh.pb"))
          .run("--put", "k", "--val", "wrong", "--tls", tls, "--token-file", wrong.toString());
      assertThat(bad.exit()).isEqualTo(7);
      assertThat(bad.err()).contains("the bearer token is not valid");

      Cli.Result get = cli.run("--get", "k", "--tls", tls, "--token-file", token.toString());
      assertThat(get.line()).as("nothing was written without the token").startsWith("k, right, ");
    }
  }

  /** The HTTP status of a GET of {@code url}, with {@code token} as a bearer header if given. */
  private static int httpStatus(String url, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(5));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}

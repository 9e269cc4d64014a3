package dev.ringkv.security;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/** Sends a bearer token with every call, in the {@code authorization} header. */
public final class BearerToken extends CallCredentials {

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  public static final String PREFIX = "Bearer ";

  private final String token;

  public BearerToken(String token) {
    this.token = checked(token);
  }

  /**
   * Reads a token file: its first line, trimmed.
   *
   * @throws IllegalArgumentException if the file is missing, unreadable, readable by others or
   *     holds a token too short to be secret (see {@link SecretFile})
   */
  public static String readFile(Path file) {
    return checked(SecretFile.read(file, "token file"));
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, PREFIX + token);
    applier.apply(headers);
  }

  private static String checked(String token) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("the token is empty");
    }
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("the token must be printable ASCII without spaces");
    }
    return token;
  }
}

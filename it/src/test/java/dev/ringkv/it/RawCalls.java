package dev.ringkv.it;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Calls carrying bytes as they are, parsed or not: what a hostile peer can send. */
final class RawCalls {

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream in) {
          try {
            return in.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private RawCalls() {}

  /**
   * Sends {@code message} as the one message of a call to {@code fullMethodName} (a stream if
   * the name ends in {@code /Stream}) and returns how the call ended.
   */
  static Status send(Channel channel, String fullMethodName, byte[] message) throws Exception {
    boolean stream = fullMethodName.endsWith("/Stream");
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(stream ? MethodDescriptor.MethodType.BIDI_STREAMING
            : MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<byte[]> replies = new StreamObserver<>() {
      @Override
      public void onNext(byte[] reply) {}

      @Override
      public void onError(Throwable error) {
        ended.complete(Status.fromThrowable(error));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    };
    var call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
    if (stream) {
      ClientCalls.asyncBidiStreamingCall(call, replies).onNext(message);
    } else {
      ClientCalls.asyncUnaryCall(call, message, replies);
    }
    return ended.get(10, TimeUnit.SECONDS);
  }
}

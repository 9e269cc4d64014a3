package dev.ringkv.storage.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every message the node sends, as a server or as a client, goes after a flush of its writes. */
class FlushBeforeSendTest {

  private static final MethodDescriptor.Marshaller<String> STRINGS =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes());
        }

        @Override
        public String parse(InputStream stream) {
          throw new UnsupportedOperationException();
        }
      };
  private static final MethodDescriptor<String, String> METHOD =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("test/Method")
          .setRequestMarshaller(STRINGS)
          .setResponseMarshaller(STRINGS)
          .build();

  private final List<String> events = new ArrayList<>();
  private final FlushBeforeSend flushBeforeSend = new FlushBeforeSend(() -> events.add("flush"));

  @Test
  void aReplyLeavesOnlyAfterAFlush() {
    List<ServerCall<String, String>> started = new ArrayList<>();
    flushBeforeSend.interceptCall(new RecordingServerCall(), new Metadata(),
        (call, headers) -> {
          started.add(call);
          return new ServerCall.Listener<>() {};
        });
    started.get(0).sendMessage("ack 1");
    started.get(0).sendMessage("ack 2");
    assertThat(events).containsExactly("flush", "sent ack 1", "flush", "sent ack 2");
  }

  @Test
  void aMessageToAPeerOrTheManagerLeavesOnlyAfterAFlush() {
    Channel channel = new Channel() {
      @Override
      public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        return new RecordingClientCall<>();
      }

      @Override
      public String authority() {
        return "peer";
      }
    };
    ClientCall<String, String> call =
        flushBeforeSend.interceptCall(METHOD, CallOptions.DEFAULT, channel);
    call.sendMessage("heartbeat");
    assertThat(events).containsExactly("flush", "sent heartbeat");
  }

  private final class RecordingServerCall extends ServerCall<String, String> {
    @Override
    public void sendMessage(String message) {
      events.add("sent " + message);
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void close(Status status, Metadata trailers) {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      return METHOD;
    }
  }

  private final class RecordingClientCall<Q, R> extends ClientCall<Q, R> {
    @Override
    public void sendMessage(Q message) {
      events.add("sent " + message);
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {}

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}
  }
}

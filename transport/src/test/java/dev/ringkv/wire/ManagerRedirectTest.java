package dev.ringkv.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManagerRedirectTest {

  private static final List<String> MANAGERS = List.of("m1:1", "m2:2", "m3:3");

  @Test
  void aFollowerSendsTheCallerToTheLeaderItNames() {
    List<String> asked = new ArrayList<>();
    ManagerRedirect.Answer<String> answer = ManagerRedirect.ask(MANAGERS, 0, a -> {
      asked.add(a);
      if (!a.equals("m3:3")) {
        throw ManagerRedirect.notLeader(a + " does not lead", Optional.of("m3:3"));
      }
      return "table";
    });
    assertThat(asked).containsExactly("m1:1", "m3:3");
    assertThat(answer).isEqualTo(new ManagerRedirect.Answer<>("table", 2));
  }

  @Test
  void aDownManagerIsPassedForTheNext() {
    List<String> asked = new ArrayList<>();
    ManagerRedirect.Answer<String> answer = ManagerRedirect.ask(MANAGERS, 2, a -> {
      asked.add(a);
      if (a.equals("m3:3")) {
        throw Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException();
      }
      return a;
    });
    assertThat(asked).containsExactly("m3:3", "m1:1");
    assertThat(answer.index()).isZero();
  }

  @Test
  void aRefusalOfAnotherKindEndsItAtOnce() {
    List<String> asked = new ArrayList<>();
    assertThatThrownBy(() -> ManagerRedirect.ask(MANAGERS, 0, a -> {
      asked.add(a);
      throw Status.PERMISSION_DENIED.asRuntimeException();
    })).isInstanceOf(StatusRuntimeException.class);
    assertThat(asked).containsExactly("m1:1");
  }

  @Test
  void whenNoneAnswersTheLastRefusalIsThrownAfterEachWasAsked() {
    List<String> asked = new ArrayList<>();
    assertThatThrownBy(() -> ManagerRedirect.ask(MANAGERS, 1, a -> {
      asked.add(a);
      throw Status.DEADLINE_EXCEEDED.withDescription(a).asRuntimeException();
    })).hasMessageContaining("m2:2");
    assertThat(asked).containsExactly("m2:2", "m3:3", "m1:1", "m2:2");
  }
}

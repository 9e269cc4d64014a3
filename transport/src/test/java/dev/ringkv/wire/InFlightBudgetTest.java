package dev.ringkv.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightBudgetTest {

  private final InFlightBudget budget = new InFlightBudget(10, 1_000);

  @Test
  void newRequestsLeaveAQuarterToTheRequestsAlreadyAdmitted() {
    assertThat(budget.tryAdmitBytes(750)).isTrue();
    assertThat(budget.tryAdmitBytes(1)).as("past three quarters").isFalse();
    assertThat(budget.tryHoldBytes(250)).as("an admitted request's need").isTrue();
    assertThat(budget.tryHoldBytes(1)).isFalse();
  }

  @Test
  void waitersAreGrantedInTurnAsBytesComeBackAndOneGivenUpOnHoldsNothing() {
    budget.tryHoldBytes(1_000);
    CompletableFuture<Boolean> first = budget.holdBytesWhenFree(600);
    CompletableFuture<Boolean> givenUp = budget.holdBytesWhenFree(300);
    CompletableFuture<Boolean> third = budget.holdBytesWhenFree(300);
    assertThat(List.of(first, givenUp, third)).noneMatch(CompletableFuture::isDone);

    givenUp.complete(false);
    budget.releaseBytes(500);
    assertThat(first).as("600 do not fit in 500").isNotDone();
    budget.releaseBytes(500);

    assertThat(first).isCompletedWithValue(true);
    assertThat(third).isCompletedWithValue(true);
    assertThat(budget.heldBytes()).as("the first and the third").isEqualTo(900);
  }

  @Test
  void aWaiterWhoseWorkGivesItsBytesBackAtOnceIsDoneBeforeTheNextIsGranted() {
    budget.tryHoldBytes(1_000);
    List<String> events = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      budget.holdBytesWhenFree(1_000).thenRun(() -> {
        events.add(name + " granted");
        budget.releaseBytes(1_000); // a local read, done at once
        events.add(name + " done");
      });
    }

    budget.releaseBytes(1_000);

    assertThat(events).containsExactly("a granted", "a done", "b granted", "b done");
    assertThat(budget.heldBytes()).isZero();
  }
}

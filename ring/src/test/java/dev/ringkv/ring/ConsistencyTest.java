package dev.ringkv.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsistencyTest {

  @ParameterizedTest
  @CsvSource({"1,1,1,1", "2,1,2,2", "3,1,2,3", "4,1,3,4", "5,1,3,5", "7,1,4,7"})
  void requiredAcknowledgements(int rf, int one, int quorum, int all) {
    assertThat(Consistency.ONE.required(rf)).isEqualTo(one);
    assertThat(Consistency.QUORUM.required(rf)).isEqualTo(quorum);
    assertThat(Consistency.ALL.required(rf)).isEqualTo(all);
  }

  @Test
  void quorumsOfReadAndWriteAlwaysOverlap() {
    for (int rf = 1; rf <= 9; rf++) {
      int q = Consistency.QUORUM.required(rf);
      assertThat(q + q).as("R + W > N for rf %d", rf).isGreaterThan(rf);
    }
  }

  @Test
  void parsesCaseInsensitivelyAndNamesBadValues() {
    assertThat(Consistency.parse("quorum")).isEqualTo(Consistency.QUORUM);
    assertThat(Consistency.parse("ALL")).isEqualTo(Consistency.ALL);
    assertThatThrownBy(() -> Consistency.parse("TWO"))
        .hasMessage("unknown consistency level 'TWO' (expected ONE, QUORUM or ALL)");
    assertThatThrownBy(() -> Consistency.ONE.required(0))
        .hasMessage("replication factor must be at least 1, got 0");
  }
}

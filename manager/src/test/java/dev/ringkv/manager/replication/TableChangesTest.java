package dev.ringkv.manager.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.proto.TableChange;
import dev.ringkv.ring.RingTable;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableChangesTest {

  private static final RingTable FIRST = RingTable.empty("c1", 3);
  private static final RingTable SECOND = RingTable.of("c1", FIRST.epoch() + 1, 3, List.of());
  private static final RingTable THIRD = RingTable.of("c1", FIRST.epoch() + 2, 3, List.of());

  private static String refusal(RingTable current, RingTable replacing, RingTable next) {
    TableChange change = TableChanges.of(replacing, next);
    return TableChanges.refusal(current, change, next);
  }

  @Test
  void theFirstTableAppliesOnlyWhereThereIsNone() {
    assertThat(refusal(null, null, FIRST)).isNull();
    assertThat(refusal(FIRST, null, FIRST)).contains("replaces epoch -1");
    assertThat(refusal(null, FIRST, SECOND)).contains("there is no table yet");
  }

  @Test
  void aChangeAppliesOnTopOfTheTableItWasMadeFrom() {
    assertThat(refusal(FIRST, FIRST, SECOND)).isNull();
    assertThat(refusal(FIRST, FIRST, THIRD)).isNull();
  }

  @Test
  void aChangeFromAnOlderTableIsRefused() {
    // A leader that lost its leadership made SECOND' from FIRST after its successor published.
    assertThat(refusal(SECOND, FIRST, SECOND)).contains("replaces epoch " + FIRST.epoch())
        .contains("at epoch " + SECOND.epoch());
  }

  @Test
  void theEpochNeverGoesBackAndClustersNeverMix() {
    assertThat(refusal(SECOND, SECOND, FIRST)).contains("is not above");
    RingTable other = RingTable.of("c2", SECOND.epoch() + 1, 3, List.of());
    assertThat(refusal(SECOND, SECOND, other)).contains("of cluster c2");
  }

  @Test
  void aMemberIsParsedWithItsRaftPortAboveItsPort() {
    GroupMember m = GroupMember.parse("manager2=127.0.0.1:7050");
    assertThat(m).isEqualTo(new GroupMember("manager2", "127.0.0.1", 7050, 17050));
    assertThat(m.address()).isEqualTo("127.0.0.1:7050");
    assertThatThrownBy(() -> GroupMember.parse("127.0.0.1:7050"))
        .hasMessageContaining("ID=HOST:PORT");
    assertThatThrownBy(() -> GroupMember.parse("manager2=127.0.0.1:60000"))
        .hasMessageContaining("at most 55535");
  }
}

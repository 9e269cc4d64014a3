package dev.ringkv.manager.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ringkv.ring.Node;
import dev.ringkv.ring.NodeState;
import dev.ringkv.ring.RingTable;
import dev.ringkv.wire.TableCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreTest {

  @TempDir Path dir;
  private final RingTable table = RingTable.of("c", 7, 2, List.of(
      new Node("server1", "127.0.0.1:1", NodeState.UP, List.of(10L, 20L)),
      new Node("server2", "127.0.0.1:2", NodeState.DOWN, List.of(30L), 3)));

  @Test
  void aSavedTableLoadsAsItWas() throws IOException {
    FileStateStore store = new FileStateStore(dir);
    store.save(null, table);
    RingTable loaded = store.load().orElseThrow();
    assertThat(loaded.epoch()).isEqualTo(7);
    assertThat(loaded.nodes()).isEqualTo(table.nodes());
  }

  @Test
  void aFlippedBitOrACutFileFailsToLoadNamingTheFile() throws IOException {
    FileStateStore store = new FileStateStore(dir);
    store.save(null, table);
    Path file = dir.resolve("manager-state.pb");
    byte[] good = Files.readAllBytes(file);

    byte[] flipped = good.clone();
    flipped[flipped.length - 3] ^= 0x04;
    Files.write(file, flipped);
    assertThatThrownBy(store::load).isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("checksum");

    Files.write(file, Arrays.copyOf(good, good.length - 5));
    assertThatThrownBy(store::load).isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("holds");
  }

  @Test
  void aFileFromBeforeTheHeaderStillLoads() throws IOException {
    Files.write(dir.resolve("manager-state.pb"), TableCodec.toProto(table).toByteArray());
    assertThat(new FileStateStore(dir).load().orElseThrow().nodes()).isEqualTo(table.nodes());
  }
}

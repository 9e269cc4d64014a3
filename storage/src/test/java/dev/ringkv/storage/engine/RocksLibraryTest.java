package dev.ringkv.storage.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksLibraryTest {

  @TempDir Path dir;

  @Test
  void aCopyIsTakenOnlyIfItHoldsTheJarsBytesExactly() throws Exception {
    byte[] library = new byte[3 << 20];
    Arrays.fill(library, (byte) 7);
    Path jar = dir.resolve("native.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("librocksdbjni-test.so"));
      out.write(library);
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry entry = file.getJarEntry("librocksdbjni-test.so");
      Path copy = dir.resolve("copy.so");

      assertThat(RocksLibrary.isCopyOf(copy, entry)).as("no copy yet").isFalse();
      Files.write(copy, library);
      assertThat(RocksLibrary.isCopyOf(copy, entry)).as("the same bytes").isTrue();
      try (OutputStream truncated = Files.newOutputStream(copy)) {
        truncated.write(library, 0, library.length - 1);
      }
      assertThat(RocksLibrary.isCopyOf(copy, entry)).as("one byte short").isFalse();
      library[library.length / 2] = 8;
      Files.write(copy, library);
      assertThat(RocksLibrary.isCopyOf(copy, entry)).as("one byte changed").isFalse();
    }
  }
}

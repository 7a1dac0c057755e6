package io.pagedstream.app.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a data directory accepts and refuses; refusing never changes it. */
class DataDirTest {

  @TempDir Path dir;

  @Test
  void aNewDirectoryIsMarkedAndLockedWhileOpen() {
    Path d = dir.resolve("data");
    try (DataDir open = DataDir.open(d, "pagedstream test")) {
      assertThat(DataDir.exists(d)).isTrue();
      assertThat(open.kafkaDir()).isEqualTo(d.toAbsolutePath().resolve("kafka"));
      assertThatThrownBy(() -> DataDir.open(d, "pagedstream test"))
          .isInstanceOfSatisfying(DataDirException.class, e -> assertThat(e.inUse()).isTrue())
          .hasMessageContaining("in use by another running pagedstream process");
    }
    // released on close (and by the OS when a process dies)
    DataDir.open(d, "pagedstream test").close();
  }

  @Test
  void anotherFormatIsRefusedUntouched() throws Exception {
    Path d = dir.resolve("data");
    DataDir.open(d, "pagedstream test").close();
    Path marker = d.resolve(DataDir.MARKER);
    Files.writeString(marker, "format=99\ncreated.by=pagedstream 9.0\n");
    Files.createDirectories(d.resolve("kafka"));
    Files.writeString(d.resolve("kafka").resolve("meta.properties"), "kept");
    assertThatThrownBy(() -> DataDir.open(d, "pagedstream test"))
        .isInstanceOfSatisfying(DataDirException.class, e -> assertThat(e.inUse()).isFalse())
        .hasMessage(
            "data directory "
                + d.toAbsolutePath()
                + " has format 99 (written by pagedstream 9.0); this "
                + "pagedstream reads format 1: use the version that wrote it, or another --data-dir");
    assertThat(Files.readString(marker)).startsWith("format=99");
    assertThat(Files.readString(d.resolve("kafka").resolve("meta.properties"))).isEqualTo("kept");
  }

  @Test
  void aFolderOfOtherFilesIsNotTaken() throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "mine");
    assertThatThrownBy(() -> DataDir.open(dir, "pagedstream test"))
        .isInstanceOf(DataDirException.class)
        .hasMessageContaining("is not a pagedstream data directory");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
    }
  }
}

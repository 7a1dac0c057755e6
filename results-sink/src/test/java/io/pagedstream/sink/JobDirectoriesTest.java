package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class JobDirectoriesTest {

  private final JobDirectories dirs = new JobDirectories("no-job");

  @Test
  void keepsOrdinaryIdsReadable() {
    assertThat(dirs.forJob("job-2024_01.v2")).isEqualTo("job-2024_01.v2");
  }

  @Test
  void neverYieldsAPathOrAHiddenFolder() {
    assertThat(dirs.forJob("..")).isEqualTo("%2E.");
    assertThat(dirs.forJob("../etc/passwd")).isEqualTo("%2E.%2Fetc%2Fpasswd");
    assertThat(dirs.forJob(".pagedstream")).isEqualTo("%2Epagedstream");
    assertThat(dirs.forJob("a b%c")).isEqualTo("a%20b%25c");
    assertThat(dirs.forJob("日")).isEqualTo("%E6%97%A5");
  }

  @Test
  void keepsDistinctIdsDistinct() {
    assertThat(dirs.forJob("a/b")).isNotEqualTo(dirs.forJob("a%2Fb"));
  }

  @Test
  void sendsJoblessCompletionsToTheDefaultFolder() {
    assertThat(dirs.forJob(null)).isEqualTo("no-job");
    assertThat(dirs.forJob("")).isEqualTo("no-job");
  }

  @Test
  void refusesIdsTooLongForAFolderName() {
    assertThatThrownBy(() -> dirs.forJob("x".repeat(201)))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("too long");
  }
}

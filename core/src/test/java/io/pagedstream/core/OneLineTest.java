package io.pagedstream.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OneLineTest {

  @Test
  void keepsTheFirstNonBlankLineStripped() {
    assertThat(OneLine.of("first\nsecond")).isEqualTo("first");
    assertThat(OneLine.of("\n  \n  reason here  \r\n\tat Foo.bar(Foo.java:1)"))
        .isEqualTo("reason here");
  }

  @Test
  void isNeverEmpty() {
    assertThat(OneLine.of((String) null)).isEqualTo("unknown error");
    assertThat(OneLine.of(" \n ")).isEqualTo("unknown error");
  }

  @Test
  void cutsLongLinesAtOneThousandCharacters() {
    assertThat(OneLine.of("z".repeat(2000))).hasSize(OneLine.MAX_CHARS).endsWith("...");
    assertThat(OneLine.of("z".repeat(OneLine.MAX_CHARS))).isEqualTo("z".repeat(OneLine.MAX_CHARS));
  }

  @Test
  void anExceptionWithoutAMessageIsNamedByItsClass() {
    assertThat(OneLine.of(new IllegalStateException())).isEqualTo("IllegalStateException");
    assertThat(OneLine.of(new IllegalStateException("broken\nat somewhere"))).isEqualTo("broken");
  }
}

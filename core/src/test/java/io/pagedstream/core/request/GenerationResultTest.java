package io.pagedstream.core.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GenerationResultTest {

  @Test
  void finishReasonsHaveTheirWireNames() {
    assertThat(FinishReason.LENGTH.wire()).isEqualTo("length");
    assertThat(FinishReason.STOP.wire()).isEqualTo("stop");
    assertThat(FinishReason.ERROR.wire()).isEqualTo("error");
    for (FinishReason r : FinishReason.values()) {
      assertThat(FinishReason.fromWire(r.wire())).isSameAs(r);
    }
    assertThatThrownBy(() -> FinishReason.fromWire("content_filter"))
        .hasMessage("unknown finish_reason \"content_filter\" (expected length, stop, error)");
    assertThat(FinishReason.isError("error")).isTrue();
    assertThat(FinishReason.isError("content_filter")).isFalse();
    assertThat(FinishReason.isError(null)).isFalse();
  }

  @Test
  void anErrorResultHasNoTokensAndItsReasonOnOneLine() {
    GenerationResult r = GenerationResult.error("r1", "bad request\nCaused by: something", 7);

    assertThat(r.isError()).isTrue();
    assertThat(r.tokenIds()).isEmpty();
    assertThat(r.text()).isNull();
    assertThat(r.error()).isEqualTo("bad request");
    assertThat(r.promptTokens()).isEqualTo(7);
    assertThat(r.outputTokens()).isZero();
    assertThat(GenerationResult.error("r2", null, 0).error()).isEqualTo("unknown error");
  }

  @Test
  void anErrorGoesWithTheErrorReasonAndNoOther() {
    assertThatThrownBy(
            () -> new GenerationResult("r", new int[0], null, FinishReason.ERROR, null, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new GenerationResult("r", new int[] {1}, "a", FinishReason.STOP, "oops", 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theResultLineHasItsFieldsInOrderAndLeavesOutWhatIsNull() {
    GenerationResult ok =
        GenerationResult.generated("a", new int[] {5, 2}, "Hi", FinishReason.STOP, 3);
    assertThat(ok.toJsonLine())
        .isEqualTo(
            "{\"id\":\"a\",\"token_ids\":[5,2],\"text\":\"Hi\",\"finish_reason\":\"stop\",\"prompt_tokens\":3,\"output_tokens\":2}");
    assertThat(GenerationResult.error("b", "no", 0).toJsonLine())
        .isEqualTo(
            "{\"id\":\"b\",\"token_ids\":[],\"finish_reason\":\"error\",\"error\":\"no\",\"prompt_tokens\":0,\"output_tokens\":0}");
  }

  @Test
  void aRecordIsReadBackIntoTheSameResult() {
    GenerationResult read =
        GenerationResult.read(
            "a", new int[] {5}, null, "length", null, 2, 1, ResponseFormat.NATIVE, null, 0);
    assertThat(read.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(read.outputTokens()).isEqualTo(1);
    // a record that says error without a reason still reads as a one-line error result
    assertThat(
            GenerationResult.read(
                    "b", new int[0], null, "error", null, 0, 0, ResponseFormat.NATIVE, null, 0)
                .error())
        .isEqualTo("unknown error");
    assertThat(
            GenerationResult.read(
                    "c", new int[] {1}, "x", "stop", "stray", 1, 1, ResponseFormat.NATIVE, null, 0)
                .error())
        .isNull();
    assertThatThrownBy(
            () ->
                GenerationResult.read(
                    "d",
                    new int[0],
                    null,
                    "tool_calls",
                    null,
                    0,
                    0,
                    ResponseFormat.NATIVE,
                    null,
                    0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

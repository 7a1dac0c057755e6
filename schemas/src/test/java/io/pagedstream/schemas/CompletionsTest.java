package io.pagedstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompletionsTest {

  @Test
  void anErrorCompletionIsFilledTheSameWayWhoeverAnswers() {
    Completion c =
        Completions.error("r1", null, "bad\nsecond line", 4, 1234L).setProcessor("batcher").build();

    assertThat(c.getId()).isEqualTo("r1");
    assertThat(c.getJobId()).isEmpty();
    assertThat(c.getTokenIds()).isEmpty();
    assertThat(c.getText()).isNull();
    assertThat(c.getFinishReason()).isEqualTo("error");
    assertThat(c.getError()).isEqualTo("bad");
    assertThat(c.getPromptTokens()).isEqualTo(4);
    assertThat(c.getOutputTokens()).isZero();
    assertThat(c.getCompletedAtMs()).isEqualTo(1234L);
    assertThat(c.getFirstTokenMs()).isEqualTo(-1.0);
    assertThat(c.getBatchId()).isNull();
    assertThat(c.getProcessor()).isEqualTo("batcher");
    assertThat(c.getCached()).isFalse();
    assertThat(Completions.isError(c)).isTrue();
  }

  @Test
  void aResultGoesIntoACompletionAndComesBackTheSame() {
    GenerationResult r =
        GenerationResult.generated("r2", new int[] {7, 8}, "ab", FinishReason.LENGTH, 3);
    Completion c = Completions.of(r, "job", 1L).build();

    assertThat(c.getTokenIds()).isEqualTo(List.of(7, 8));
    assertThat(c.getOutputTokens()).isEqualTo(2);
    assertThat(Completions.result(c).toJsonLine()).isEqualTo(r.toJsonLine());
    assertThat(Completions.isError(c)).isFalse();
  }

  /**
   * Why {@code finish_reason} stays a string on the wire: an Avro enum (even with a default symbol)
   * cannot read the completions already written, so the registry refuses it.
   */
  @Test
  void anEnumFinishReasonWouldBeRefusedUnderBackwardCompatibility() {
    SchemaRegistry registry = SchemaRegistries.mockScope("completions-" + UUID.randomUUID());
    registry.register("llm.completions-value", Completion.getClassSchema());
    String asEnum =
        Completion.getClassSchema()
            .toString()
            .replace(
                "{\"name\":\"finish_reason\",\"type\":{\"type\":\"string\",\"avro.java.string\":\"String\"}",
                "{\"name\":\"finish_reason\",\"type\":{\"type\":\"enum\",\"name\":\"FinishReason\","
                    + "\"symbols\":[\"unknown\",\"length\",\"stop\",\"error\"],\"default\":\"unknown\"}");
    assertThat(asEnum).isNotEqualTo(Completion.getClassSchema().toString());

    assertThatThrownBy(
            () -> registry.register("llm.completions-value", new Schema.Parser().parse(asEnum)))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("TYPE_MISMATCH");
  }
}

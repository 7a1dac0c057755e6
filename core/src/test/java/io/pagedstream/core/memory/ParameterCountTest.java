package io.pagedstream.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.model.SafetensorsReader;
import io.pagedstream.core.model.TensorInfo;
import io.pagedstream.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParameterCountTest {

  /** The count is exact: it equals the elements actually stored in real checkpoints. */
  @ParameterizedTest
  @ValueSource(strings = {"stories260K", "tiny-stories-synth"})
  void equalsTheTensorsInARealCheckpoint(String model) {
    ModelSpec spec = ModelSpec.load(SharedData.model(model));
    long stored;
    try (SafetensorsReader r =
        SafetensorsReader.open(SharedData.model(model).resolve("model.safetensors"))) {
      stored = r.tensors().values().stream().mapToLong(TensorInfo::elementCount).sum();
    }
    assertThat(ParameterCount.of(spec).total()).isEqualTo(stored);
  }

  @Test
  void qwen2BiasesQueryKeyAndValueButNotOutput() {
    ParameterCount p = ParameterCount.of(PublishedConfigs.spec("qwen2.5-0.5b"));
    long h = 896;
    long q = 14 * 64;
    long kv = 2 * 64;
    assertThat(p.queryOutput()).isEqualTo(24 * (h * q + q + q * h));
    assertThat(p.keyValue()).isEqualTo(24 * 2 * (h * kv + kv));
  }

  @Test
  void llamaAttentionBiasAlsoBiasesTheOutputProjection() {
    String json =
        PublishedConfigs.json("tinyllama-1.1b-chat-v1.0")
            .replace("\"attention_bias\": false", "\"attention_bias\": true");
    ParameterCount biased = ParameterCount.of(ModelSpec.parse(json));
    ParameterCount plain = ParameterCount.of(PublishedConfigs.spec("tinyllama-1.1b-chat-v1.0"));
    long q = 32 * 64;
    long kv = 4 * 64;
    assertThat(biased.queryOutput() - plain.queryOutput()).isEqualTo(22 * (q + 2048));
    assertThat(biased.keyValue() - plain.keyValue()).isEqualTo(22 * 2 * kv);
  }

  @Test
  void mlpBiasAddsGateUpAndDownBiases() {
    String json =
        PublishedConfigs.json("tinyllama-1.1b-chat-v1.0")
            .replace("\"pretraining_tp\": 1", "\"mlp_bias\": true");
    ParameterCount biased = ParameterCount.of(ModelSpec.parse(json));
    ParameterCount plain = ParameterCount.of(PublishedConfigs.spec("tinyllama-1.1b-chat-v1.0"));
    assertThat(biased.mlp() - plain.mlp()).isEqualTo(22 * (2 * 5632 + 2048));
  }

  @Test
  void tiedEmbeddingsHaveNoLmHead() {
    ParameterCount tied = ParameterCount.of(PublishedConfigs.spec("qwen2.5-0.5b"));
    assertThat(tied.lmHead()).isZero();
    assertThat(tied.embedding()).isEqualTo(151_936L * 896);
    ParameterCount untied = ParameterCount.of(PublishedConfigs.spec("qwen2.5-7b"));
    assertThat(untied.lmHead()).isEqualTo(untied.embedding()).isEqualTo(152_064L * 3584);
  }

  @Test
  void partsAddUpToTheTotal() {
    ParameterCount p = ParameterCount.of(PublishedConfigs.spec("llama-3.1-8b"));
    assertThat(p.attention()).isEqualTo(p.queryOutput() + p.keyValue());
    assertThat(p.total())
        .isEqualTo(p.embedding() + p.attention() + p.mlp() + p.norms() + p.lmHead());
    assertThat(p.norms()).isEqualTo((2L * 32 + 1) * 4096);
  }
}

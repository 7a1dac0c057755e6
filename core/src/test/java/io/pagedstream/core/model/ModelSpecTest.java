package io.pagedstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.MemoryPlan;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

  private static String config(String type, String extra) {
    return "{\"model_type\":\""
        + type
        + "\",\"hidden_size\":256,\"intermediate_size\":512,"
        + "\"num_hidden_layers\":2,\"num_attention_heads\":8,\"num_key_value_heads\":2,"
        + "\"vocab_size\":1000,\"max_position_embeddings\":8192"
        + extra
        + "}";
  }

  @Test
  void generationConfigEosIdsJoinConfigsOnes(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
    java.nio.file.Files.writeString(
        dir.resolve("config.json"), config("llama", ",\"eos_token_id\":2"));
    assertThat(ModelSpec.load(dir).eosTokenIds()).containsExactly(2);
    java.nio.file.Files.writeString(
        dir.resolve("generation_config.json"), "{\"eos_token_id\":[2,7,9]}");
    ModelSpec spec = ModelSpec.load(dir);
    assertThat(spec.eosTokenIds()).containsExactly(2, 7, 9);
    assertThat(spec.isEos(9)).isTrue();
    java.nio.file.Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\":11}");
    assertThat(ModelSpec.load(dir.resolve("config.json")).eosTokenIds()).containsExactly(2, 11);
  }

  @Test
  void aScalingTheEngineDoesNotRunStillPlansButIsRefusedForRunning() {
    ModelSpec yarn =
        ModelSpec.parse(
            config(
                "qwen2",
                ",\"rope_scaling\":{\"type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":32768}"));
    assertThat(yarn.ropeScaling().type()).isEqualTo("yarn");
    assertThat(yarn.ropeScaling().supported()).isFalse();
    assertThat(MemoryPlan.of(yarn, Dtype.FLOAT16).kvBytesPerToken()).isEqualTo(2L * 2 * 2 * 32 * 2);
    assertThatThrownBy(() -> yarn.ropeScaling().scale(1.0))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage("rope_scaling type 'yarn' is not supported by the engine (linear, llama3)");
  }

  @Test
  void llama3ScalingAndDefaultRopeTypes() {
    ModelSpec l3 =
        ModelSpec.parse(
            config(
                "llama",
                ",\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,"
                    + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}"));
    assertThat(l3.ropeScaling().supported()).isTrue();
    // a high frequency is left alone, a low one divided by the factor
    assertThat(l3.ropeScaling().scale(1.0)).isEqualTo(1.0);
    assertThat(l3.ropeScaling().scale(1e-6)).isEqualTo(1e-6 / 8.0);
    assertThat(
            ModelSpec.parse(config("llama", ",\"rope_scaling\":{\"rope_type\":\"default\"}"))
                .ropeScaling())
        .isNull();
  }

  @Test
  void mistralsSlidingWindowBoundsTheServedContext() {
    ModelSpec mistral = ModelSpec.parse(config("mistral", ",\"sliding_window\":4096"));
    assertThat(mistral.slidingWindow()).isEqualTo(4096);
    assertThat(mistral.contextLength()).isEqualTo(4096);
    assertThat(mistral.contextDescription()).startsWith("4096-token sliding window");
    assertThat(ModelSpec.parse(config("mistral", ",\"sliding_window\":null")).contextLength())
        .isEqualTo(8192);
    // a window wider than the positions changes nothing
    assertThat(ModelSpec.parse(config("mistral", ",\"sliding_window\":32768")).contextDescription())
        .isEqualTo("8192 positions");
  }

  @Test
  void qwen2sWindowCountsOnlyWhenSwitchedOn() {
    assertThat(
            ModelSpec.parse(
                    config("qwen2", ",\"sliding_window\":1024,\"use_sliding_window\":false"))
                .contextLength())
        .isEqualTo(8192);
    assertThat(
            ModelSpec.parse(config("qwen2", ",\"sliding_window\":1024,\"use_sliding_window\":true"))
                .contextLength())
        .isEqualTo(1024);
    assertThat(ModelSpec.parse(config("llama", ",\"sliding_window\":1024")).contextLength())
        .isEqualTo(8192);
  }

  @Test
  void badShapesAreOneLineErrors() {
    assertThatThrownBy(() -> ModelSpec.parse(config("mistral", ",\"sliding_window\":-1")))
        .hasMessage("sliding_window must not be negative");
    assertThatThrownBy(() -> ModelSpec.parse("{\"model_type\":\"llama\",\"hidden_size\":256}"))
        .hasMessage("config.json is missing num_attention_heads");
  }
}

package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.model.ModelPreset;
import io.pagedstream.core.model.RandomModelWriter;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.reference.ReferenceLlama;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The qwen2 layout (q/k/v biases, untied LM head) and the mistral one (no GQA) through the engine,
 * against the reference implementation on random-weight models written by make-model's code.
 */
class LayoutsTest {

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"tiny-qwen2", "tiny-mistral", "tiny"})
  void randomModelsOfEachLayoutMatchTheReference(String preset) throws Exception {
    RandomModelWriter.write(ModelPreset.get(preset), 5, dir);
    ReferenceLlama reference = new ReferenceLlama(dir);
    Random rnd = new Random(9);
    Map<String, int[]> prompts = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      prompts.put(
          "p" + i, rnd.ints(1 + rnd.nextInt(40), 0, reference.spec().vocabSize()).toArray());
    }
    Map<String, int[]> got = new HashMap<>();
    try (LlmEngine engine = LlmEngine.load(dir, EngineConfig.defaults(200))) {
      prompts.forEach((id, p) -> engine.add(id, p, SamplingParams.greedy(12).withIgnoreEos(true)));
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> got.put(o.id(), o.outputTokenIds()));
      }
    }
    int compared = 0;
    for (Map.Entry<String, int[]> e : prompts.entrySet()) {
      ReferenceLlama.Generation ref = reference.greedy(e.getValue(), 12);
      for (int i = 0; i < 12; i++) {
        if (ref.margins()[i] < 2e-5) {
          break;
        }
        assertThat(got.get(e.getKey())[i])
            .as(preset + " " + e.getKey() + " token " + i)
            .isEqualTo(ref.tokens()[i]);
        compared++;
      }
    }
    System.out.printf("%s: %d tokens compared%n", preset, compared);
    // random weights give flat distributions, but most steps still have a clear winner
    assertThat(compared).isGreaterThan(30);
  }

  @org.junit.jupiter.api.Test
  void aSequenceLongerThanMistralsWindowIsAnErrorNotSilentlyFullAttention() throws Exception {
    RandomModelWriter.write(ModelPreset.get("tiny-mistral"), 5, dir);
    Path config = dir.resolve("config.json");
    var json =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
    json.put("sliding_window", 48);
    java.nio.file.Files.writeString(config, json.toString());
    Map<String, RequestOutput> got = new HashMap<>();
    try (LlmEngine engine = LlmEngine.load(dir, EngineConfig.defaults(200))) {
      engine.add("fits", new int[] {5, 6, 7, 8}, SamplingParams.greedy(44).withIgnoreEos(true));
      engine.add("beyond", new int[] {5, 6, 7, 8}, SamplingParams.greedy(45).withIgnoreEos(true));
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> got.put(o.id(), o));
      }
    }
    assertThat(got.get("fits").outputTokenIds()).hasSize(44);
    assertThat(got.get("beyond").error())
        .isEqualTo(
            "prompt (4 tokens) + max_tokens (45) = 49 exceeds the model's "
                + "48-token sliding window (windowed attention beyond it is not implemented)");
  }

  @org.junit.jupiter.api.Test
  void aRopeScalingTheEngineDoesNotImplementIsRefusedAtLoad() throws Exception {
    RandomModelWriter.write(ModelPreset.get("tiny"), 5, dir);
    Path config = dir.resolve("config.json");
    var json =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
    json.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
    java.nio.file.Files.writeString(config, json.toString());
    assertThatThrownBy(() -> LlmEngine.load(dir, EngineConfig.defaults(200)).close())
        .hasMessageContaining("rope_scaling type 'dynamic' is not supported by the engine");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cuda"})
  void cudaWithoutAGpuFailsClearly(String device) {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0,
        "a GPU is visible: this test is about machines without one");
    assertThatThrownBy(() -> LlmEngine.resolveDevice(device))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("PyTorch sees no CUDA GPU");
    assertThat(LlmEngine.resolveDevice("auto").getDeviceType()).isEqualTo("cpu");
  }
}

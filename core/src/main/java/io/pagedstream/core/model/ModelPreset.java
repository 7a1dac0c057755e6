package io.pagedstream.core.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Model shapes for {@code make-model}: random-weight models in the Hugging Face layout, for
 * benchmarks and for tests of paths the shared models do not cover (biases, untied heads).
 */
public final class ModelPreset {

  private static final Map<String, ModelSpec> PRESETS = new TreeMap<>();

  static {
    // a few layers, hidden 128, GQA, 1024 positions: the scheduler benchmarks' model
    PRESETS.put("tiny", spec("llama", 128, 384, 4, 4, 2, 2048, 1024, true, false));
    // qwen2 layout: q/k/v biases and an untied lm_head
    PRESETS.put("tiny-qwen2", spec("qwen2", 96, 256, 3, 6, 2, 1536, 1024, false, true));
    // mistral layout, no GQA
    PRESETS.put("tiny-mistral", spec("mistral", 64, 192, 2, 4, 4, 512, 512, false, false));
    // the SmolLM-135M shape (HuggingFaceTB/SmolLM-135M config.json)
    PRESETS.put("smollm-135m", spec("llama", 576, 1536, 30, 9, 3, 49152, 2048, true, false));
  }

  private ModelPreset() {}

  public static List<String> names() {
    return List.copyOf(PRESETS.keySet());
  }

  public static ModelSpec get(String name) {
    ModelSpec s = PRESETS.get(name.toLowerCase(Locale.ROOT));
    if (s == null) {
      throw new IllegalArgumentException(
          "unknown preset '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
    return s;
  }

  private static ModelSpec spec(
      String type,
      int hidden,
      int inter,
      int layers,
      int heads,
      int kvHeads,
      int vocab,
      int positions,
      boolean tied,
      boolean bias) {
    return new ModelSpec(
        type,
        hidden,
        inter,
        layers,
        heads,
        kvHeads,
        hidden / heads,
        vocab,
        positions,
        1e-5,
        10000.0,
        tied,
        bias,
        false,
        1,
        List.of(2),
        "float32",
        null,
        0);
  }
}

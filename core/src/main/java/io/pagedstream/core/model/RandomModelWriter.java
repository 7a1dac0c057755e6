package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.memory.Dtype;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Writes a model with random weights in the Hugging Face layout ({@code config.json} and {@code
 * model.safetensors}) through {@link SafetensorsWriter}, the inverse of the loader's reader.
 * Matrices are N(0, 0.02²) as in Llama's initialisation, norms are 1, biases small; the same seed
 * gives the same file.
 */
public final class RandomModelWriter {

  private RandomModelWriter() {}

  public static void write(ModelSpec spec, long seed, Path dir) throws IOException {
    write(spec, seed, dir, Dtype.FLOAT32);
  }

  /**
   * Writes the model with its tensors stored in {@code dtype} (float32, float16 or bfloat16) and
   * {@code torch_dtype} saying so; the values are the float32 ones rounded to nearest even.
   */
  public static void write(ModelSpec spec, long seed, Path dir, Dtype dtype) throws IOException {
    String stored =
        switch (dtype) {
          case FLOAT32 -> "F32";
          case FLOAT16 -> "F16";
          case BFLOAT16 -> "BF16";
          default ->
              throw new IllegalArgumentException(
                  "checkpoints are written in float32, float16 or bfloat16, not " + dtype);
        };
    Files.createDirectories(dir);
    ObjectNode config = configJson(spec);
    config.put("torch_dtype", dtype.label());
    Files.writeString(dir.resolve("config.json"), config.toPrettyString() + "\n");
    SplittableRandom root = new SplittableRandom(seed);
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    int h = spec.hiddenSize();
    int q = spec.numHeads() * spec.headDim();
    int kv = spec.numKvHeads() * spec.headDim();
    int inter = spec.intermediateSize();
    entries.add(matrix("model.embed_tokens.weight", root.split(), spec.vocabSize(), h));
    for (int i = 0; i < spec.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      entries.add(ones(p + "input_layernorm.weight", h));
      entries.add(matrix(p + "self_attn.q_proj.weight", root.split(), q, h));
      entries.add(matrix(p + "self_attn.k_proj.weight", root.split(), kv, h));
      entries.add(matrix(p + "self_attn.v_proj.weight", root.split(), kv, h));
      if (spec.attentionBias()) {
        entries.add(vector(p + "self_attn.q_proj.bias", root.split(), q));
        entries.add(vector(p + "self_attn.k_proj.bias", root.split(), kv));
        entries.add(vector(p + "self_attn.v_proj.bias", root.split(), kv));
      }
      entries.add(matrix(p + "self_attn.o_proj.weight", root.split(), h, q));
      entries.add(ones(p + "post_attention_layernorm.weight", h));
      entries.add(matrix(p + "mlp.gate_proj.weight", root.split(), inter, h));
      entries.add(matrix(p + "mlp.up_proj.weight", root.split(), inter, h));
      entries.add(matrix(p + "mlp.down_proj.weight", root.split(), h, inter));
    }
    entries.add(ones("model.norm.weight", h));
    if (!spec.tieWordEmbeddings()) {
      entries.add(matrix("lm_head.weight", root.split(), spec.vocabSize(), h));
    }
    List<SafetensorsWriter.Entry> typed = new ArrayList<>();
    for (SafetensorsWriter.Entry e : entries) {
      typed.add(new SafetensorsWriter.Entry(e.name(), stored, e.shape(), e.values()));
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), typed);
  }

  /** The config.json a {@link ModelSpec} was (or could have been) read from. */
  public static ObjectNode configJson(ModelSpec s) {
    ObjectNode c = new ObjectMapper().createObjectNode();
    String arch =
        switch (s.modelType()) {
          case "qwen2" -> "Qwen2ForCausalLM";
          case "mistral" -> "MistralForCausalLM";
          default -> "LlamaForCausalLM";
        };
    c.putArray("architectures").add(arch);
    c.put("model_type", s.modelType());
    c.put("hidden_size", s.hiddenSize());
    c.put("intermediate_size", s.intermediateSize());
    c.put("num_hidden_layers", s.numLayers());
    c.put("num_attention_heads", s.numHeads());
    c.put("num_key_value_heads", s.numKvHeads());
    c.put("head_dim", s.headDim());
    c.put("vocab_size", s.vocabSize());
    c.put("max_position_embeddings", s.maxPositionEmbeddings());
    c.put("rms_norm_eps", s.rmsNormEps());
    c.put("rope_theta", s.ropeTheta());
    c.put("hidden_act", "silu");
    c.put("tie_word_embeddings", s.tieWordEmbeddings());
    if (!s.modelType().equals("qwen2")) {
      c.put("attention_bias", s.attentionBias());
    }
    c.put("mlp_bias", s.mlpBias());
    c.put("torch_dtype", s.torchDtype());
    if (s.ropeScaling() != null) {
      RopeScaling r = s.ropeScaling();
      c.putObject("rope_scaling")
          .put("rope_type", r.type())
          .put("factor", r.factor())
          .put("low_freq_factor", r.lowFreqFactor())
          .put("high_freq_factor", r.highFreqFactor())
          .put("original_max_position_embeddings", r.originalMaxPositions());
    }
    if (s.slidingWindow() > 0) {
      c.put("sliding_window", s.slidingWindow());
      if (s.modelType().equals("qwen2")) {
        c.put("use_sliding_window", true);
      }
    }
    c.put("bos_token_id", s.bosTokenId());
    if (s.eosTokenIds().size() == 1) {
      c.put("eos_token_id", s.eosTokenIds().get(0));
    } else {
      var eos = c.putArray("eos_token_id");
      s.eosTokenIds().forEach(eos::add);
    }
    return c;
  }

  private static SafetensorsWriter.Entry matrix(
      String name, SplittableRandom rnd, int rows, int cols) {
    return new SafetensorsWriter.Entry(
        name, "F32", new long[] {rows, cols}, gaussian(rnd, (long) rows * cols, 0.02));
  }

  private static SafetensorsWriter.Entry vector(String name, SplittableRandom rnd, int n) {
    return new SafetensorsWriter.Entry(name, "F32", new long[] {n}, gaussian(rnd, n, 0.02));
  }

  private static SafetensorsWriter.Entry ones(String name, int n) {
    return new SafetensorsWriter.Entry(
        name,
        "F32",
        new long[] {n},
        () -> {
          float[] v = new float[n];
          java.util.Arrays.fill(v, 1f);
          return v;
        });
  }

  private static Supplier<float[]> gaussian(SplittableRandom rnd, long n, double std) {
    return () -> {
      float[] v = new float[Math.toIntExact(n)];
      // Box-Muller from the split stream: reproducible for a seed, fast enough for 135M values
      for (int i = 0; i < v.length; i += 2) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        double r = Math.sqrt(-2 * Math.log(u1)) * std;
        v[i] = (float) (r * Math.cos(2 * Math.PI * u2));
        if (i + 1 < v.length) {
          v[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
      }
      return v;
    };
  }
}

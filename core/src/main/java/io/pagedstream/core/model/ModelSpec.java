package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The shape of a Llama-family decoder as described by a Hugging Face {@code config.json}.
 *
 * <p>Covers the model types whose forward pass is the Llama one: {@code llama}, {@code mistral}
 * (the same graph plus a sliding attention window) and {@code qwen2} (adds biases to the q/k/v
 * projections). {@code ropeScaling} is null for plain RoPE. {@code slidingWindow} is 0 when
 * attention sees the whole context; the engine does not implement windowed attention, so a windowed
 * model serves sequences up to its window ({@link #contextLength()}), where full and windowed
 * attention are the same computation. Everything downstream — weight loading, the memory plan, the
 * batcher's KV estimates — reads the model through this record so the numbers agree.
 */
public record ModelSpec(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int vocabSize,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean mlpBias,
    int bosTokenId,
    List<Integer> eosTokenIds,
    String torchDtype,
    RopeScaling ropeScaling,
    int slidingWindow) {

  public static final Set<String> SUPPORTED_TYPES = Set.of("llama", "mistral", "qwen2");
  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelSpec {
    eosTokenIds = List.copyOf(new java.util.LinkedHashSet<>(eosTokenIds));
    require(hiddenSize > 0, "hidden_size must be positive, got " + hiddenSize);
    require(intermediateSize > 0, "intermediate_size must be positive, got " + intermediateSize);
    require(numLayers > 0, "num_hidden_layers must be positive, got " + numLayers);
    require(numHeads > 0, "num_attention_heads must be positive, got " + numHeads);
    require(numKvHeads > 0, "num_key_value_heads must be positive, got " + numKvHeads);
    require(
        numHeads % numKvHeads == 0,
        "num_attention_heads ("
            + numHeads
            + ") is not a multiple of num_key_value_heads ("
            + numKvHeads
            + "): grouped-query attention needs whole groups");
    require(
        headDim > 0 && headDim % 2 == 0, "head_dim must be a positive even number, got " + headDim);
    require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
    require(maxPositionEmbeddings > 0, "max_position_embeddings must be positive");
    require(rmsNormEps > 0, "rms_norm_eps must be positive");
    require(ropeTheta > 0, "rope_theta must be positive");
    require(slidingWindow >= 0, "sliding_window must not be negative");
  }

  /** The longest sequence (prompt + generated tokens) the engine serves for this model. */
  public int contextLength() {
    return slidingWindow > 0
        ? Math.min(maxPositionEmbeddings, slidingWindow)
        : maxPositionEmbeddings;
  }

  /** How {@link #contextLength()} is named in error messages. */
  public String contextDescription() {
    return contextLength() < maxPositionEmbeddings
        ? contextLength()
            + "-token sliding window (windowed attention beyond it is not implemented)"
        : maxPositionEmbeddings + " positions";
  }

  /** Reads {@code config.json} from a model folder, or the file itself when given one. */
  public static ModelSpec load(Path configOrDir) {
    Path config = Files.isDirectory(configOrDir) ? configOrDir.resolve("config.json") : configOrDir;
    if (!Files.isRegularFile(config)) {
      throw new ModelFormatException("no config.json at " + config);
    }
    ModelSpec spec;
    try {
      spec = fromJson(JSON.readTree(config.toFile()));
    } catch (IOException e) {
      throw new ModelFormatException(
          "cannot read " + config + ": " + e.getMessage().lines().findFirst().orElse(""));
    }
    Path generation = config.resolveSibling("generation_config.json");
    return Files.isRegularFile(generation) ? spec.withEosFrom(generation) : spec;
  }

  /**
   * Adds the end-of-sequence ids of a {@code generation_config.json}: Hugging Face's generate stops
   * at those (instruct models often list their end-of-turn token there, not in config.json).
   */
  ModelSpec withEosFrom(Path generationConfig) {
    JsonNode g;
    try {
      g = JSON.readTree(generationConfig.toFile());
    } catch (IOException e) {
      throw new ModelFormatException(
          "cannot read " + generationConfig + ": " + e.getMessage().lines().findFirst().orElse(""));
    }
    java.util.LinkedHashSet<Integer> ids = new java.util.LinkedHashSet<>(eosTokenIds);
    ids.addAll(eosIds(g == null ? null : g.get("eos_token_id")));
    return new ModelSpec(
        modelType,
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        headDim,
        vocabSize,
        maxPositionEmbeddings,
        rmsNormEps,
        ropeTheta,
        tieWordEmbeddings,
        attentionBias,
        mlpBias,
        bosTokenId,
        List.copyOf(ids),
        torchDtype,
        ropeScaling,
        slidingWindow);
  }

  public static ModelSpec parse(String json) {
    try {
      return fromJson(JSON.readTree(json));
    } catch (IOException e) {
      throw new ModelFormatException(
          "config is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  static ModelSpec fromJson(JsonNode c) {
    if (c == null || !c.isObject()) {
      throw new ModelFormatException("config.json must hold a JSON object");
    }
    String type = text(c, "model_type", null);
    if (type == null) {
      throw new ModelFormatException("config.json has no model_type");
    }
    type = type.toLowerCase(Locale.ROOT);
    if (!SUPPORTED_TYPES.contains(type)) {
      throw new ModelFormatException(
          "model_type '" + type + "' is not supported (supported: llama, mistral, qwen2)");
    }
    int hidden = requiredInt(c, "hidden_size");
    int heads = requiredInt(c, "num_attention_heads");
    require(heads > 0, "num_attention_heads must be positive, got " + heads);
    int kvHeads =
        c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull()
            ? requiredInt(c, "num_key_value_heads")
            : heads;
    int headDim;
    if (c.hasNonNull("head_dim")) {
      headDim = requiredInt(c, "head_dim");
    } else {
      require(
          hidden % heads == 0,
          "hidden_size (" + hidden + ") is not divisible by num_attention_heads (" + heads + ")");
      headDim = hidden / heads;
    }
    boolean qwen = type.equals("qwen2");
    // transformers' LlamaConfig, MistralConfig and Qwen2Config all default to untied embeddings
    boolean tied = c.has("tie_word_embeddings") && c.get("tie_word_embeddings").asBoolean();
    return new ModelSpec(
        type,
        hidden,
        requiredInt(c, "intermediate_size"),
        requiredInt(c, "num_hidden_layers"),
        heads,
        kvHeads,
        headDim,
        requiredInt(c, "vocab_size"),
        c.hasNonNull("max_position_embeddings") ? requiredInt(c, "max_position_embeddings") : 2048,
        c.hasNonNull("rms_norm_eps") ? c.get("rms_norm_eps").asDouble() : 1e-6,
        c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble() : 10000.0,
        tied,
        qwen || (c.has("attention_bias") && c.get("attention_bias").asBoolean()),
        c.has("mlp_bias") && c.get("mlp_bias").asBoolean(),
        c.hasNonNull("bos_token_id") ? c.get("bos_token_id").asInt() : -1,
        eosIds(c.get("eos_token_id")),
        text(c, "torch_dtype", "float32"),
        RopeScaling.parse(c.get("rope_scaling")),
        slidingWindow(c, type));
  }

  // Mistral applies its window whenever one is set; Qwen2 only with use_sliding_window.
  private static int slidingWindow(JsonNode c, String type) {
    if (!c.hasNonNull("sliding_window")) {
      return 0;
    }
    boolean applies =
        switch (type) {
          case "mistral" -> true;
          case "qwen2" -> c.path("use_sliding_window").asBoolean(false);
          default -> false;
        };
    return applies ? requiredInt(c, "sliding_window") : 0;
  }

  /**
   * Bytes of K plus V for one token across all layers: 2 x layers x kv_heads x head_dim x dtype.
   */
  public long kvBytesPerToken(int kvDtypeBytes) {
    return 2L * numLayers * numKvHeads * headDim * kvDtypeBytes;
  }

  public int queriesPerKvHead() {
    return numHeads / numKvHeads;
  }

  public boolean isEos(int tokenId) {
    return eosTokenIds.contains(tokenId);
  }

  private static List<Integer> eosIds(JsonNode n) {
    List<Integer> ids = new ArrayList<>();
    if (n == null || n.isNull()) {
      return ids;
    }
    if (n.isArray()) {
      n.forEach(e -> ids.add(e.asInt()));
    } else {
      ids.add(n.asInt());
    }
    return ids;
  }

  private static int requiredInt(JsonNode c, String field) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) {
      throw new ModelFormatException("config.json is missing " + field);
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber()) {
      throw new ModelFormatException(field + " must be an integer, got " + n);
    }
    return n.asInt();
  }

  private static String text(JsonNode c, String field, String fallback) {
    JsonNode n = c.get(field);
    return n == null || n.isNull() ? fallback : n.asText();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new ModelFormatException(message);
    }
  }
}

package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A config's {@code rope_scaling}: {@code linear} (positions divided by a factor) or {@code llama3}
 * (Llama 3.1's per-frequency rescaling). Other kinds (yarn, dynamic, longrope, ...) are parsed so
 * that a config carrying one can still be planned (memory does not depend on RoPE), but the engine
 * refuses to run them rather than compute silently wrong positions.
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositions) {

  static RopeScaling parse(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    String type =
        n.hasNonNull("rope_type")
            ? n.get("rope_type").asText()
            : n.hasNonNull("type") ? n.get("type").asText() : "default";
    double factor = n.path("factor").asDouble(1.0);
    return switch (type) {
      case "default" -> null;
      case "linear", "llama3" ->
          new RopeScaling(
              type,
              factor,
              n.path("low_freq_factor").asDouble(1.0),
              n.path("high_freq_factor").asDouble(4.0),
              n.path("original_max_position_embeddings").asInt(8192));
      default -> new RopeScaling(type, factor, 1.0, 4.0, 0);
    };
  }

  /** Whether the forward pass implements this kind of scaling. */
  public boolean supported() {
    return type.equals("linear") || type.equals("llama3");
  }

  /** Throws the one-line error the engine gives for a scaling it does not implement. */
  public void requireSupported() {
    if (!supported()) {
      throw new ModelFormatException(
          "rope_scaling type '" + type + "' is not supported by the engine (linear, llama3)");
    }
  }

  /** The inverse frequency after scaling, for one rotary pair whose unscaled value is given. */
  public double scale(double invFreq) {
    requireSupported();
    if (type.equals("linear")) {
      return invFreq / factor;
    }
    double lowWavelen = originalMaxPositions / lowFreqFactor;
    double highWavelen = originalMaxPositions / highFreqFactor;
    double wavelen = 2 * Math.PI / invFreq;
    if (wavelen < highWavelen) {
      return invFreq;
    }
    if (wavelen > lowWavelen) {
      return invFreq / factor;
    }
    double smooth =
        (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * invFreq / factor + smooth * invFreq;
  }
}

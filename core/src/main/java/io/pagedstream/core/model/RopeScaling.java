package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A config's {@code rope_scaling}: {@code linear} (positions divided by a factor) or {@code llama3}
 * (Llama 3.1's per-frequency rescaling). Other kinds are refused with a clear message rather than
 * run with silently wrong positions.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

  static RopeScaling parse(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText()
        : n.hasNonNull("type") ? n.get("type").asText() : "default";
    double factor = n.path("factor").asDouble(1.0);
    return switch (type) {
      case "default" -> null;
      case "linear", "llama3" -> new RopeScaling(type, factor,
          n.path("low_freq_factor").asDouble(1.0),
          n.path("high_freq_factor").asDouble(4.0),
          n.path("original_max_position_embeddings").asInt(8192));
      default -> throw new ModelFormatException("rope_scaling type '" + type + "' is not supported (linear, llama3)");
    };
  }

  /** The inverse frequency after scaling, for one rotary pair whose unscaled value is given. */
  public double scale(double invFreq) {
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
    double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * invFreq / factor + smooth * invFreq;
  }
}

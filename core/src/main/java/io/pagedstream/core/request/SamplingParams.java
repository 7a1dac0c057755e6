package io.pagedstream.core.request;

/**
 * How to pick each next token and when to stop.
 *
 * @param temperature 0 means greedy (argmax)
 * @param topP nucleus mass in (0, 1]; 1 disables it
 * @param topK keep the k most likely tokens; 0 disables it
 * @param seed makes a sampled run reproducible; null picks one per request
 * @param maxTokens how many tokens to generate at most (at least 1)
 * @param ignoreEos keep generating past the end-of-sequence token
 */
public record SamplingParams(
    double temperature, double topP, int topK, Long seed, int maxTokens, boolean ignoreEos) {

  public static final int DEFAULT_MAX_TOKENS = 16;

  public SamplingParams {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new InvalidRequestException("temperature must be a finite number >= 0, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new InvalidRequestException("top_p must be in (0, 1], got " + topP);
    }
    if (topK < 0) {
      throw new InvalidRequestException("top_k must be >= 0 (0 disables it), got " + topK);
    }
    if (maxTokens < 1) {
      throw new InvalidRequestException("max_tokens must be >= 1, got " + maxTokens);
    }
  }

  public static SamplingParams greedy(int maxTokens) {
    return new SamplingParams(0, 1, 0, null, maxTokens, false);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  public SamplingParams withIgnoreEos(boolean ignore) {
    return new SamplingParams(temperature, topP, topK, seed, maxTokens, ignore);
  }

  /** True when the same prompt always gives the same output: greedy, or sampled with a seed. */
  public boolean isDeterministic() {
    return isGreedy() || seed != null;
  }
}

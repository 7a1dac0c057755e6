package io.pagedstream.core.request;

import java.util.List;

/**
 * How to pick each next token, when to stop, and what to return besides the tokens.
 *
 * @param temperature 0 means greedy (argmax)
 * @param topP nucleus mass in (0, 1]; 1 disables it
 * @param topK keep the k most likely tokens; 0 disables it
 * @param seed makes a sampled run reproducible; null picks one per request. Sample {@code i} of
 *     {@code n} draws from its own stream, seeded with {@code seed + i}.
 * @param maxTokens how many tokens to generate at most (at least 1), per sample
 * @param ignoreEos keep generating past the end-of-sequence token(s)
 * @param stop up to {@link #MAX_STOP_STRINGS} non-empty strings; generation stops when the decoded
 *     text contains one, and the returned text ends before it (OpenAI's {@code stop})
 * @param stopTokenIds token ids that end generation like EOS (vLLM's {@code stop_token_ids}); the
 *     stop token is kept in the ids but not in the text. Not affected by {@code ignoreEos}.
 * @param logprobs null for none; else return each output token's log-probability and this many (0
 *     to {@link #MAX_TOP_LOGPROBS}) most likely alternatives, from the raw log-softmax
 * @param n how many samples to draw from the one prompt (1 to {@link #MAX_N}); they share the
 *     prompt's KV blocks
 */
public record SamplingParams(
    double temperature,
    double topP,
    int topK,
    Long seed,
    int maxTokens,
    boolean ignoreEos,
    List<String> stop,
    List<Integer> stopTokenIds,
    Integer logprobs,
    int n) {

  public static final int DEFAULT_MAX_TOKENS = 16;

  /** OpenAI's limit on stop strings. */
  public static final int MAX_STOP_STRINGS = 4;

  /** OpenAI's limit on alternatives per token. */
  public static final int MAX_TOP_LOGPROBS = 20;

  /**
   * Samples per request. All n run at once sharing the prompt, so n is bounded well below a
   * processor's max-num-seqs; a larger fan-out is better sent as separate requests.
   */
  public static final int MAX_N = 16;

  public SamplingParams {
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new InvalidRequestException(
          "temperature must be a finite number >= 0, got " + temperature);
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
    stop = stop == null ? List.of() : List.copyOf(stop);
    if (stop.size() > MAX_STOP_STRINGS) {
      throw new InvalidRequestException(
          "stop takes at most " + MAX_STOP_STRINGS + " strings, got " + stop.size());
    }
    if (stop.stream().anyMatch(String::isEmpty)) {
      throw new InvalidRequestException("stop strings must not be empty");
    }
    stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    if (stopTokenIds.stream().anyMatch(t -> t < 0)) {
      throw new InvalidRequestException("stop_token_ids must be >= 0, got " + stopTokenIds);
    }
    if (logprobs != null && (logprobs < 0 || logprobs > MAX_TOP_LOGPROBS)) {
      throw new InvalidRequestException(
          "top_logprobs must be in 0.." + MAX_TOP_LOGPROBS + ", got " + logprobs);
    }
    if (n < 1 || n > MAX_N) {
      throw new InvalidRequestException("n must be in 1.." + MAX_N + ", got " + n);
    }
  }

  /** A request with none of the stop, logprobs and n options. */
  public SamplingParams(
      double temperature, double topP, int topK, Long seed, int maxTokens, boolean ignoreEos) {
    this(temperature, topP, topK, seed, maxTokens, ignoreEos, List.of(), List.of(), null, 1);
  }

  public static SamplingParams greedy(int maxTokens) {
    return new SamplingParams(0, 1, 0, null, maxTokens, false);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  public boolean wantsLogprobs() {
    return logprobs != null;
  }

  public SamplingParams withIgnoreEos(boolean ignore) {
    return new SamplingParams(
        temperature, topP, topK, seed, maxTokens, ignore, stop, stopTokenIds, logprobs, n);
  }

  /** True when the same prompt always gives the same output: greedy, or sampled with a seed. */
  public boolean isDeterministic() {
    return isGreedy() || seed != null;
  }

  /** The KV the request can need at most: the prompt once, and every sample's output. */
  public int maxNewTokensAllSamples() {
    return n * maxTokens;
  }
}

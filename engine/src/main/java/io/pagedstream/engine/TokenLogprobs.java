package io.pagedstream.engine;

/**
 * One output token's log-probability and the most likely alternatives at its position, from the
 * model's raw log-softmax over the float32 logits (before temperature, top-k and top-p: vLLM's
 * default and what OpenAI reports).
 *
 * @param tokenId the token that was chosen
 * @param logprob its log-probability
 * @param topTokenIds the {@code k} most likely tokens, most likely first (k as the request asked)
 * @param topLogprobs their log-probabilities, same order
 */
public record TokenLogprobs(int tokenId, float logprob, int[] topTokenIds, float[] topLogprobs) {

  public TokenLogprobs {
    if (topTokenIds.length != topLogprobs.length) {
      throw new IllegalArgumentException(
          topTokenIds.length + " top token ids but " + topLogprobs.length + " logprobs");
    }
  }
}

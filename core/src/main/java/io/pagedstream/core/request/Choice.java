package io.pagedstream.core.request;

import java.util.List;

/**
 * One of a request's {@code n} samples.
 *
 * @param text null for models without a tokenizer
 * @param logprobs one entry per output token when logprobs were asked for, else null
 */
public record Choice(
    int index,
    int[] tokenIds,
    String text,
    FinishReason finishReason,
    List<TokenLogprob> logprobs) {

  public Choice {
    if (index < 0) {
      throw new IllegalArgumentException("choice index must be >= 0, got " + index);
    }
    tokenIds = tokenIds == null ? new int[0] : tokenIds;
    logprobs = logprobs == null ? null : List.copyOf(logprobs);
  }
}

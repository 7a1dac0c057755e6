package io.pagedstream.core.request;

import java.util.List;

/**
 * An output token's log-probability under the model's raw log-softmax, with the most likely
 * alternatives at that position (most likely first).
 *
 * @param token the token's text as decoded alone (null without a tokenizer)
 */
public record TokenLogprob(int tokenId, String token, double logprob, List<Alternative> top) {

  public TokenLogprob {
    top = top == null ? List.of() : List.copyOf(top);
  }

  /** One alternative at a position. */
  public record Alternative(int tokenId, String token, double logprob) {}
}

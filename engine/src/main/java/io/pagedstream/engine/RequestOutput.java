package io.pagedstream.engine;

import io.pagedstream.core.request.FinishReason;
import java.util.List;

/**
 * A finished request: one {@link Choice} per sample ({@code n} of them, in index order), with the
 * error's one-line message when the request failed. The accessors {@link #outputTokenIds()} and
 * {@link #finishReason()} read choice 0, which is the whole answer when {@code n = 1}.
 *
 * @param firstTokenMillis from arrival to the first generated token, or -1 if none
 * @param totalMillis from arrival to the end
 */
public record RequestOutput(
    String id,
    int[] promptTokenIds,
    List<Choice> choices,
    String error,
    double firstTokenMillis,
    double totalMillis) {

  public RequestOutput {
    choices = List.copyOf(choices);
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("a request output needs at least one choice");
    }
  }

  /**
   * A request answered with an error: one empty choice whose finish reason is {@link
   * FinishReason#ERROR}.
   */
  public static RequestOutput error(String id, int[] promptTokenIds, String error) {
    return new RequestOutput(
        id,
        promptTokenIds,
        List.of(new Choice(0, new int[0], FinishReason.ERROR, null, null, null)),
        error,
        -1,
        0);
  }

  /** Choice 0's generated ids. */
  public int[] outputTokenIds() {
    return choices.get(0).outputTokenIds();
  }

  /** Choice 0's finish reason. */
  public FinishReason finishReason() {
    return choices.get(0).finishReason();
  }

  public boolean isError() {
    return finishReason() == FinishReason.ERROR;
  }

  /**
   * One sample of a request.
   *
   * @param index the sample's index, 0 to n-1 (it drew from the stream of seed + index)
   * @param outputTokenIds generated ids; a stop token or EOS is kept last, and so is the token that
   *     completed a stop string (as vLLM keeps it)
   * @param finishReason why the sample ended
   * @param logprobs one entry per output token when the request asked for logprobs, else null
   * @param stopText when a stop string ended the sample: the decoded output up to, not including,
   *     the stop string (callers return this as the text); null otherwise (callers decode the ids)
   * @param matchedStop the stop string that ended the sample, or null
   */
  public record Choice(
      int index,
      int[] outputTokenIds,
      FinishReason finishReason,
      List<TokenLogprobs> logprobs,
      String stopText,
      String matchedStop) {

    public Choice {
      logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }
  }
}

package io.pagedstream.core.text;

import io.pagedstream.core.request.FinishReason;
import java.util.Arrays;

/**
 * Text to token ids and back for one model. The implementation that reads a Hugging Face {@code
 * tokenizer.json} lives in the {@code tokenizer} module ({@code HuggingFaceTextTokenizer}), so that
 * core, and every module that only needs this contract, carries no native tokenizer.
 *
 * <p>Implementations never truncate: a prompt longer than the model can take must be reported as an
 * error by the caller, never silently cut.
 */
public interface TextTokenizer extends AutoCloseable {

  /**
   * Token ids of a text. With {@code addSpecialTokens} the tokenizer's post-processor adds what it
   * adds to a plain prompt (for example a BOS token); without it the text is encoded as it is, as
   * Hugging Face's {@code apply_chat_template} does with a rendering that already holds its special
   * tokens.
   */
  int[] encode(String text, boolean addSpecialTokens);

  /** Token ids of a plain prompt, with the special tokens the tokenizer's post-processor adds. */
  default int[] encode(String text) {
    return encode(text, true);
  }

  /**
   * Text of generated ids, special tokens included: a model that runs on past its EOS (with {@code
   * ignore_eos}) shows the EOS token literally, as Hugging Face's {@code decode(ids,
   * skip_special_tokens=False)} does, so ids and text tell the same story.
   */
  String decode(int[] ids);

  /**
   * The text of a completion: its ids decoded, without the EOS that ended it when it stopped there
   * (finish reason {@code stop}); that token is in the ids but is not part of the answer.
   */
  default String completionText(int[] outputIds, FinishReason finishReason) {
    if (finishReason == FinishReason.STOP && outputIds.length > 0) {
      return decode(Arrays.copyOf(outputIds, outputIds.length - 1));
    }
    return decode(outputIds);
  }

  /** Releases the tokenizer's native resources; no exception, so callers can use method refs. */
  @Override
  void close();
}

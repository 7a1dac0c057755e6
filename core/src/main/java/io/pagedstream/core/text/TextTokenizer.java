package io.pagedstream.core.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.pagedstream.core.model.ModelFormatException;
import io.pagedstream.core.request.FinishReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Text to token ids and back through a model's Hugging Face {@code tokenizer.json}.
 *
 * <p>Special tokens are added as the tokenizer's post-processor says (for example a BOS token)
 * and truncation is off: a prompt longer than the model can take must be reported as an error by
 * the caller, never silently cut.
 */
public final class TextTokenizer implements AutoCloseable {

  private final HuggingFaceTokenizer tokenizer;

  private TextTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The tokenizer of a model folder, or empty when the folder has no {@code tokenizer.json}. */
  public static Optional<TextTokenizer> forModel(Path modelDir) {
    Path file = Files.isDirectory(modelDir) ? modelDir.resolve("tokenizer.json") : null;
    if (file == null || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new TextTokenizer(HuggingFaceTokenizer.builder()
          .optTokenizerPath(file)
          .optAddSpecialTokens(true)
          .optTruncation(false)
          .optPadding(false)
          .build()));
    } catch (IOException | RuntimeException e) {
      throw new ModelFormatException("cannot load " + file + ": " + e.getMessage());
    }
  }

  /** Token ids of a text, with the special tokens the tokenizer's template adds. */
  public int[] encode(String text) {
    Encoding enc = tokenizer.encode(text, true, false);
    long[] ids = enc.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /**
   * Text of generated ids, special tokens included: a model that runs on past its EOS (with
   * {@code ignore_eos}) shows the EOS token literally, as Hugging Face's
   * {@code decode(ids, skip_special_tokens=False)} does, so ids and text tell the same story.
   */
  public String decode(int[] ids) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, false);
  }

  /**
   * The text of a completion: its ids decoded, without the EOS that ended it when it stopped
   * there (finish reason {@code stop}); that token is in the ids but is not part of the answer.
   */
  public String completionText(int[] outputIds, FinishReason finishReason) {
    if (finishReason == FinishReason.STOP && outputIds.length > 0) {
      return decode(java.util.Arrays.copyOf(outputIds, outputIds.length - 1));
    }
    return decode(outputIds);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}

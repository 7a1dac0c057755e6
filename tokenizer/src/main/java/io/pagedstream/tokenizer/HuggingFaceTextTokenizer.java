package io.pagedstream.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.pagedstream.core.model.ModelFormatException;
import io.pagedstream.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model's Hugging Face {@code tokenizer.json}, through DJL's binding of the Rust tokenizers.
 *
 * <p>Truncation and padding are off: DJL would otherwise cut every text to the model's maximum
 * length, and a prompt too long for the model must be refused, never silently cut.
 */
public final class HuggingFaceTextTokenizer implements TextTokenizer {

  private final HuggingFaceTokenizer tokenizer;

  private HuggingFaceTextTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The tokenizer of a model folder, or empty when the folder has no {@code tokenizer.json}. */
  public static Optional<TextTokenizer> forModel(Path modelDir) {
    Path file = Files.isDirectory(modelDir) ? modelDir.resolve("tokenizer.json") : null;
    if (file == null || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new HuggingFaceTextTokenizer(
              HuggingFaceTokenizer.builder()
                  .optTokenizerPath(file)
                  .optAddSpecialTokens(true)
                  .optTruncation(false)
                  .optPadding(false)
                  .build()));
    } catch (IOException | RuntimeException e) {
      throw new ModelFormatException("cannot load " + file + ": " + e.getMessage());
    }
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    Encoding enc = tokenizer.encode(text, addSpecialTokens, false);
    long[] ids = enc.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, false);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}

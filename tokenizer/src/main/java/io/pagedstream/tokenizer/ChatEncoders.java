package io.pagedstream.tokenizer;

import io.pagedstream.core.request.ChatEncoder;
import io.pagedstream.core.text.TextTokenizer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@link ChatEncoder} request validation uses for a model: its chat template, tokenized by its
 * tokenizer. Empty when the model lacks either, so chat requests get an error result that says so.
 */
public final class ChatEncoders {

  private ChatEncoders() {}

  public static Optional<ChatEncoder> forModel(Path modelDir, Optional<TextTokenizer> tokenizer) {
    if (tokenizer.isEmpty()) {
      return Optional.empty();
    }
    TextTokenizer t = tokenizer.get();
    return ChatTemplate.load(modelDir).map(template -> messages -> template.encode(messages, t));
  }
}

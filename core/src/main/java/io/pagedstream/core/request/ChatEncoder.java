package io.pagedstream.core.request;

import io.pagedstream.core.text.ChatMessage;
import java.util.List;

/**
 * A model's chat template with its tokenizer: messages to the prompt's token ids, rendered with
 * {@code add_generation_prompt} and tokenized as Hugging Face's {@code apply_chat_template} does.
 */
@FunctionalInterface
public interface ChatEncoder {

  /**
   * @throws InvalidRequestException when the template refuses the conversation
   */
  int[] encode(List<ChatMessage> messages);
}

package io.pagedstream.core.request;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.text.TextTokenizer;
import java.util.Optional;

/** Checks a request against one model: tokenizes text prompts and enforces the model's limits. */
public final class PromptValidator {

  private final ModelSpec spec;
  private final Optional<TextTokenizer> tokenizer;
  private final Optional<ChatEncoder> chat;

  public PromptValidator(ModelSpec spec, Optional<TextTokenizer> tokenizer) {
    this(spec, tokenizer, Optional.empty());
  }

  /** {@code chat}: the model's chat template, when it has one; chat requests fail without. */
  public PromptValidator(ModelSpec spec, Optional<TextTokenizer> tokenizer, Optional<ChatEncoder> chat) {
    this.spec = spec;
    this.tokenizer = tokenizer;
    this.chat = chat;
  }

  /** The request's prompt as ids within the model's limits, or an {@link InvalidRequestException}. */
  public ValidatedPrompt validate(PromptRequest r) {
    int[] ids;
    if (r.isChat()) {
      if (chat.isEmpty()) {
        throw new InvalidRequestException("this model has no chat template (tokenizer_config.json's chat_template "
            + "or chat_template.jinja): send a prompt instead of messages");
      }
      ids = chat.get().encode(r.messages());
      if (ids.length == 0) {
        throw new InvalidRequestException("messages render to no tokens");
      }
    } else if (r.promptTokenIds() != null) {
      ids = r.promptTokenIds();
      if (ids.length == 0) {
        throw new InvalidRequestException("prompt_token_ids is empty");
      }
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0 || ids[i] >= spec.vocabSize()) {
          throw new InvalidRequestException("prompt_token_ids[" + i + "] = " + ids[i]
              + " is outside the vocabulary (0.." + (spec.vocabSize() - 1) + ")");
        }
      }
    } else if (r.prompt() != null) {
      if (r.prompt().isEmpty()) {
        throw new InvalidRequestException("prompt is empty");
      }
      if (tokenizer.isEmpty()) {
        throw new InvalidRequestException(
            "this model has no tokenizer.json: send prompt_token_ids instead of a text prompt");
      }
      // a character cap first, so a 10 MB line is refused without tokenizing it
      if (r.prompt().length() > 64L * spec.maxPositionEmbeddings()) {
        throw new InvalidRequestException("prompt of " + r.prompt().length()
            + " characters cannot fit the model's " + spec.maxPositionEmbeddings() + " positions");
      }
      ids = tokenizer.get().encode(r.prompt());
      if (ids.length == 0) {
        throw new InvalidRequestException("prompt encodes to no tokens");
      }
    } else {
      throw new InvalidRequestException("request has no prompt (give \"prompt\", \"prompt_token_ids\" or \"messages\")");
    }
    long total = (long) ids.length + r.params().maxTokens();
    if (total > spec.contextLength()) {
      throw new InvalidRequestException("prompt (" + ids.length + " tokens) + max_tokens ("
          + r.params().maxTokens() + ") = " + total + " exceeds the model's "
          + spec.contextDescription(), ids.length);
    }
    return new ValidatedPrompt(r.id(), r.jobId(), ids, r.params(), r.format());
  }

  public ModelSpec spec() {
    return spec;
  }

  public Optional<TextTokenizer> tokenizer() {
    return tokenizer;
  }
}

package io.pagedstream.tokenizer;

import io.pagedstream.core.request.InvalidRequestException;

/**
 * A chat request its model's template refuses (the template's own {@code raise_exception}, for
 * example roles that do not alternate) or cannot render, or a model without a template. The message
 * is one line, ready for an error result.
 */
public final class ChatTemplateException extends InvalidRequestException {

  public ChatTemplateException(String message) {
    super(message);
  }
}

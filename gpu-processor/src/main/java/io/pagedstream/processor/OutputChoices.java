package io.pagedstream.processor;

import io.pagedstream.core.request.Choice;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.RequestOutput;
import java.util.List;
import java.util.Optional;

/**
 * An engine output as the samples a result line shows: ids, text (models with a tokenizer) and
 * finish reason per sample. {@code generate} and the processors both build results with it, so
 * the two paths write the same content.
 */
public final class OutputChoices {

  private OutputChoices() {}

  public static List<Choice> of(RequestOutput o, Optional<TextTokenizer> tokenizer) {
    String text = tokenizer.map(t -> t.completionText(o.outputTokenIds(), o.finishReason())).orElse(null);
    return List.of(new Choice(0, o.outputTokenIds(), text, o.finishReason(), null));
  }
}

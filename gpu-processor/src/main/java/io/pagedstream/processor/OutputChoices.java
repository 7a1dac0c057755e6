package io.pagedstream.processor;

import io.pagedstream.core.request.Choice;
import io.pagedstream.core.request.TokenLogprob;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.engine.RequestOutput;
import io.pagedstream.engine.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An engine output as the samples a result line shows: ids, text (models with a tokenizer), finish
 * reason and logprobs (with each token's text) per sample. {@code generate} and the processors both
 * build results with it, so the two paths write the same content.
 */
public final class OutputChoices {

  private OutputChoices() {}

  public static List<Choice> of(RequestOutput o, Optional<TextTokenizer> tokenizer) {
    List<Choice> out = new ArrayList<>();
    for (RequestOutput.Choice c : o.choices()) {
      // a stop string's sample ends before the string, as the engine cut it; else the ids' text
      String text =
          c.stopText() != null
              ? c.stopText()
              : tokenizer
                  .map(t -> t.completionText(c.outputTokenIds(), c.finishReason()))
                  .orElse(null);
      out.add(
          new Choice(
              c.index(),
              c.outputTokenIds(),
              text,
              c.finishReason(),
              logprobs(c.logprobs(), tokenizer)));
    }
    return out;
  }

  private static List<TokenLogprob> logprobs(
      List<TokenLogprobs> engine, Optional<TextTokenizer> tokenizer) {
    if (engine == null) {
      return null;
    }
    List<TokenLogprob> out = new ArrayList<>(engine.size());
    for (TokenLogprobs t : engine) {
      List<TokenLogprob.Alternative> top = new ArrayList<>(t.topTokenIds().length);
      for (int i = 0; i < t.topTokenIds().length; i++) {
        top.add(
            new TokenLogprob.Alternative(
                t.topTokenIds()[i],
                token(tokenizer, t.topTokenIds()[i]),
                asComputed(t.topLogprobs()[i])));
      }
      out.add(
          new TokenLogprob(
              t.tokenId(), token(tokenizer, t.tokenId()), asComputed(t.logprob()), top));
    }
    return out;
  }

  /**
   * The float the device computed, as the double with its digits (not float noise like ...7305E-5).
   */
  private static double asComputed(float logprob) {
    return Double.parseDouble(Float.toString(logprob));
  }

  private static String token(Optional<TextTokenizer> tokenizer, int id) {
    return tokenizer.map(t -> t.decode(new int[] {id})).orElse(null);
  }
}

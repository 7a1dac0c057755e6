package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.testing.SharedData;
import io.pagedstream.tokenizer.HuggingFaceTextTokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tail-window matcher finds a stop string at the same token, with the same text before it, as
 * decoding the whole output every step would, also for characters split across byte tokens.
 */
class StopStringsTest {

  @Test
  void windowAgreesWithWholeTextDecodingAtEveryToken() {
    try (TextTokenizer tokenizer =
        HuggingFaceTextTokenizer.forModel(SharedData.model("tiny-stories-synth")).orElseThrow()) {
      String text =
          "Once upon a time, naïve Zoë met a café owner 🙂 who said «ça va» and then: the end. Done!";
      int[] ids = tokenizer.encode(text);
      int start = 0;
      while (start < ids.length && tokenizer.decode(new int[] {ids[start]}).isEmpty()) {
        start++; // past a BOS the template adds
      }
      int[] out = Arrays.copyOfRange(ids, start, ids.length);
      // multi-byte characters this byte-level vocabulary splits across tokens are in the text
      long split =
          Arrays.stream(out)
              .filter(t -> tokenizer.decode(new int[] {t}).contains("\uFFFD"))
              .count();
      assertThat(split).as("tokens that are part of a character").isPositive();
      for (List<String> stops :
          List.of(
              List.of("🙂 w"),
              List.of("é o", "xyz"),
              List.of("ça"),
              List.of(": the e", "Zoë m"),
              List.of("Done!"),
              List.of("e"),
              List.of("nothing like it"))) {
        StopStrings matcher = new StopStrings(stops, tokenizer::decode);
        int expectAt = -1;
        String expectText = null;
        for (int k = 1; k <= out.length && expectAt < 0; k++) {
          String whole = tokenizer.decode(Arrays.copyOf(out, k));
          for (String s : stops) {
            int at = whole.indexOf(s);
            if (at >= 0 && (expectText == null || at < expectText.length())) {
              expectAt = k;
              expectText = whole.substring(0, at);
            }
          }
        }
        int foundAt = -1;
        StopStrings.Match match = null;
        for (int k = 1; k <= out.length && match == null; k++) {
          match = matcher.check(out, 0, k);
          foundAt = match == null ? -1 : k;
        }
        assertThat(foundAt).as(stops.toString()).isEqualTo(expectAt);
        assertThat(match == null ? null : match.textBefore())
            .as(stops.toString())
            .isEqualTo(expectText);
      }
    }
  }
}

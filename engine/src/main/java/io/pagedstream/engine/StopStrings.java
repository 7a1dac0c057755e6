package io.pagedstream.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Finds a request's stop strings in a sample's text as it grows, across token boundaries.
 *
 * <p>Each step decodes only a tail window of the output ids, not the whole output: a match that
 * ends in the newest token spans at most as many tokens as the longest stop string has UTF-8 bytes
 * (every token decodes to at least one byte), and {@link #MARGIN_TOKENS} more keep the window's
 * first, possibly cut, characters (half of a multi-byte character, a leading space a decoder drops)
 * away from any match. A character split across tokens decodes to U+FFFD until its last byte
 * arrives, so it matches one step later, when it is whole. Any occurrence in the window is new: an
 * older one would have stopped the sample already.
 */
final class StopStrings {

  static final int MARGIN_TOKENS = 4;

  private final List<String> stops;
  private final TokenDecoder decoder;
  private final int windowTokens;

  StopStrings(List<String> stops, TokenDecoder decoder) {
    this.stops = List.copyOf(stops);
    this.decoder = decoder;
    int longest = 0;
    for (String s : stops) {
      longest = Math.max(longest, s.getBytes(StandardCharsets.UTF_8).length);
    }
    this.windowTokens = longest + MARGIN_TOKENS;
  }

  /** What ended a sample: the stop string, and the output's text before its first occurrence. */
  record Match(String stop, String textBefore) {}

  /**
   * Checks the output ids {@code tokens[from, to)} after a token was appended at {@code to - 1};
   * null when no stop string occurs.
   */
  Match check(int[] tokens, int from, int to) {
    String tail = decoder.decode(Arrays.copyOfRange(tokens, Math.max(from, to - windowTokens), to));
    boolean found = false;
    for (String s : stops) {
      found |= tail.contains(s);
    }
    if (!found) {
      return null;
    }
    // once per sample: the whole output, cut before the earliest stop string (OpenAI's rule)
    String text = decoder.decode(Arrays.copyOfRange(tokens, from, to));
    int cut = -1;
    String which = null;
    for (String s : stops) {
      int at = text.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
        which = s;
      }
    }
    if (cut < 0) {
      // the window's decoding differed from the whole text's (a decoder's context rule): no stop
      // yet
      return null;
    }
    return new Match(which, text.substring(0, cut));
  }
}

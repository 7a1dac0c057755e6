package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.core.text.TextTokenizer;
import io.pagedstream.testing.SharedData;
import io.pagedstream.tokenizer.HuggingFaceTextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Stop strings (across token boundaries), stop token ids, on the golden greedy case and its
 * tokenizer.
 */
class StopTest {

  private static final Path MODEL = SharedData.model("tiny-stories-synth");

  private static SamplingParams greedy(int maxTokens, List<String> stop, List<Integer> stopIds) {
    return new SamplingParams(0, 1, 0, null, maxTokens, true, stop, stopIds, null, 1);
  }

  private static Map<String, RequestOutput> run(LlmEngine engine) {
    Map<String, RequestOutput> outs = new HashMap<>();
    while (engine.hasUnfinished()) {
      engine.step().forEach(o -> outs.put(o.id(), o));
    }
    return outs;
  }

  @Test
  void stopStringsSpanningTokensEndTheTextBeforeThem() {
    JsonNode c = SharedData.golden("tiny-stories-synth-greedy.json").get("cases").get(0);
    int[] prompt = SharedData.ints(c.get("prompt_token_ids"));
    int[] expected = SharedData.ints(c.get("expected_token_ids"));
    try (TextTokenizer tokenizer = HuggingFaceTextTokenizer.forModel(MODEL).orElseThrow();
        LlmEngine engine = LlmEngine.load(MODEL, EngineConfig.defaults(256))) {
      engine.setTokenDecoder(tokenizer::decode);
      // a stop string made of the end of token k and the start of token k + 1, for a few k
      Map<String, Integer> lastToken = new HashMap<>();
      Map<String, String> stops = new HashMap<>();
      for (int k = 10; k < 40 && stops.size() < 3; k++) {
        String a = tokenizer.decode(new int[] {expected[k]});
        String b = tokenizer.decode(new int[] {expected[k + 1]});
        String before = tokenizer.decode(Arrays.copyOf(expected, k));
        if (a.length() < 2 || b.length() < 2) {
          continue;
        }
        String stop = a.substring(a.length() - 2) + b.substring(0, 2);
        if (before.contains(stop) || (before + a).contains(stop)) {
          continue; // occurs earlier: not a stop that spans k and k + 1
        }
        String id = "k" + k;
        stops.put(id, stop);
        lastToken.put(id, k + 1);
        engine.add(id, prompt, greedy(expected.length, List.of("never seen ~~", stop), List.of()));
      }
      assertThat(stops).hasSize(3);
      engine.add("none", prompt, greedy(expected.length, List.of("never seen ~~"), List.of()));
      Map<String, RequestOutput> outs = run(engine);
      for (String id : stops.keySet()) {
        RequestOutput.Choice choice = outs.get(id).choices().get(0);
        int k1 = lastToken.get(id);
        String full = tokenizer.decode(Arrays.copyOf(expected, k1 + 1));
        assertThat(choice.finishReason()).as(id).isEqualTo(FinishReason.STOP);
        assertThat(choice.matchedStop()).isEqualTo(stops.get(id));
        // the ids up to and including the token that completed the stop string (vLLM keeps it)
        assertThat(choice.outputTokenIds()).as(id).containsExactly(Arrays.copyOf(expected, k1 + 1));
        assertThat(choice.stopText())
            .as(id)
            .isEqualTo(full.substring(0, full.indexOf(stops.get(id))));
        assertThat(full)
            .endsWith(
                choice.stopText()
                    + stops.get(id)
                    + full.substring(full.indexOf(stops.get(id)) + stops.get(id).length()));
      }
      RequestOutput.Choice none = outs.get("none").choices().get(0);
      assertThat(none.finishReason()).isEqualTo(FinishReason.LENGTH);
      assertThat(none.stopText()).isNull();
      assertThat(none.outputTokenIds()).containsExactly(expected);
    }
  }

  private static boolean contains(int[] ids, int id) {
    return Arrays.stream(ids).anyMatch(t -> t == id);
  }

  @Test
  void stopTokenIdsEndLikeEosAndStringsNeedATokenizer() {
    JsonNode c = SharedData.golden("tiny-stories-synth-greedy.json").get("cases").get(0);
    int[] prompt = SharedData.ints(c.get("prompt_token_ids"));
    int[] expected = SharedData.ints(c.get("expected_token_ids"));
    int first = 6;
    while (contains(Arrays.copyOf(expected, first), expected[first])) {
      first++; // a token that first occurs after a few others
    }
    int stopId = expected[first];
    try (LlmEngine engine = LlmEngine.load(MODEL, EngineConfig.defaults(256))) {
      engine.add("ids", prompt, greedy(expected.length, List.of(), List.of(99999, stopId)));
      engine.add("strings", prompt, greedy(expected.length, List.of("."), List.of()));
      Map<String, RequestOutput> outs = run(engine);
      RequestOutput.Choice choice = outs.get("ids").choices().get(0);
      assertThat(choice.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(choice.outputTokenIds()).containsExactly(Arrays.copyOf(expected, first + 1));
      assertThat(outs.get("strings").error())
          .isEqualTo("stop strings need a model with a tokenizer");
    }
  }
}

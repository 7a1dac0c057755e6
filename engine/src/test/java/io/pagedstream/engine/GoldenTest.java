package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.testing.SharedData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The shared golden cases, reproduced exactly through the paged engine. */
class GoldenTest {

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String[] g :
        new String[][] {
          {"stories260K", "stories260K-greedy.json"},
          {"tiny-stories-synth", "tiny-stories-synth-greedy.json"}
        }) {
      for (int bs : new int[] {1, 16, 32}) {
        for (boolean together : new boolean[] {true, false}) {
          out.add(Arguments.of(g[0], g[1], bs, together));
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} block size {2} one batch {3}")
  @MethodSource("cases")
  void reproducesGolden(String model, String goldenFile, int blockSize, boolean together) {
    JsonNode golden = SharedData.golden(goldenFile);
    try (LlmEngine engine =
        LlmEngine.load(
            SharedData.model(model),
            EngineConfig.defaults(4096 / blockSize + 64)
                .withBlocks(blockSize, 4096 / blockSize + 64))) {
      Map<String, float[]> firstLogits = new HashMap<>();
      engine.setLogitsObserver(
          (id, index, logits, offset, vocab) -> {
            if (index == 0) {
              float[] row = new float[vocab];
              System.arraycopy(logits, offset, row, 0, vocab);
              firstLogits.put(id, row);
            }
          });
      Map<String, RequestOutput> outputs = new HashMap<>();
      for (JsonNode c : golden.get("cases")) {
        engine.add(
            c.get("name").asText(),
            SharedData.ints(c.get("prompt_token_ids")),
            SamplingParams.greedy(c.get("max_tokens").asInt()).withIgnoreEos(true));
        if (!together) {
          while (engine.hasUnfinished()) {
            engine.step().forEach(o -> outputs.put(o.id(), o));
          }
        }
      }
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outputs.put(o.id(), o));
      }
      for (JsonNode c : golden.get("cases")) {
        String name = c.get("name").asText();
        RequestOutput o = outputs.get(name);
        assertThat(o.error()).as(name).isNull();
        assertThat(o.outputTokenIds())
            .as(name)
            .containsExactly(SharedData.ints(c.get("expected_token_ids")));
        float[] expected = SharedData.floats(c.get("last_prompt_logits"));
        float[] actual = firstLogits.get(name);
        float maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertThat(maxDiff).as(name + " max logit difference").isLessThan(1e-4f);
      }
    }
  }
}

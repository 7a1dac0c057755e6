package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.sampling.Sampler;
import io.pagedstream.testing.SharedData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden cases in float16 and bfloat16 against float32 (which reproduces them exactly):
 *
 * <ul>
 *   <li>teacher-forced along each golden sequence, every position's logits are within a stated
 *       tolerance of float32's, and the top-1 token agrees with float32's except at near ties;
 *   <li>generating freely, each case either gives the golden ids or leaves them first at a near tie
 *       of the float32 model: golden and chosen tokens within {@value #NEAR_TIE} in its logits.
 * </ul>
 *
 * Tolerances are relative to each row's largest |logit|. float16 keeps 11 significant bits and
 * bfloat16 8; rounding the weights themselves changes the model, most for a small one with large
 * logits. Measured here (worst difference / largest logit): float16 0.015 (stories260K) and 0.0007
 * (tiny-stories-synth); bfloat16 0.008 (tiny-stories-synth) and 0.145 (stories260K, logits up to
 * ~13, worst difference 1.9). So bfloat16 stories260K is not held to the near-tie rule: its
 * bfloat16-rounded weights are a different model (a PyTorch loop in bfloat16 leaves its golden ids
 * at the very first token; this engine, which keeps norms, softmax and the residual in float32,
 * follows them further), and the test bounds how far it may drift instead.
 */
class HalfPrecisionTest {

  static final double NEAR_TIE = 0.05;

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String[] g :
        new String[][] {
          {"stories260K", "stories260K-greedy.json"},
          {"tiny-stories-synth", "tiny-stories-synth-greedy.json"}
        }) {
      boolean small = g[0].equals("stories260K");
      out.add(Arguments.of(g[0], g[1], Dtype.FLOAT16, 0.03, true));
      out.add(Arguments.of(g[0], g[1], Dtype.BFLOAT16, small ? 0.25 : 0.03, !small));
    }
    return out;
  }

  @ParameterizedTest(name = "{0} in {2}")
  @MethodSource("cases")
  void halfPrecisionFollowsFloat32(
      String model, String goldenFile, Dtype dtype, double tolerance, boolean nearTiesOnly) {
    JsonNode golden = SharedData.golden(goldenFile);
    Map<String, float[]> reference = teacherForced(model, golden, Dtype.FLOAT32);
    Map<String, float[]> half = teacherForced(model, golden, dtype);
    int positions = 0;
    int agree = 0;
    double worst = 0;
    double worstRelative = 0;
    double widestGap = 0;
    for (Map.Entry<String, float[]> e : reference.entrySet()) {
      float[] ref = e.getValue();
      float[] got = half.get(e.getKey());
      double scale = 0;
      double diff = 0;
      for (int i = 0; i < ref.length; i++) {
        diff = Math.max(diff, Math.abs(ref[i] - got[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      worst = Math.max(worst, diff);
      worstRelative = Math.max(worstRelative, diff / Math.max(1, scale));
      int refTop = Sampler.argmax(ref, 0, ref.length);
      int halfTop = Sampler.argmax(got, 0, got.length);
      positions++;
      if (refTop == halfTop) {
        agree++;
      } else {
        widestGap = Math.max(widestGap, (double) ref[refTop] - ref[halfTop]);
      }
    }
    System.out.printf(
        "%s %s: %d positions, worst logit difference %.5f (%.5f of the row's largest |logit|), "
            + "top-1 agreement %d/%d, widest float32 gap where top-1 differs %.4f%n",
        model, dtype, positions, worst, worstRelative, agree, positions, widestGap);
    assertThat(worstRelative)
        .as("worst logit difference from float32, relative to the row's largest logit")
        .isLessThan(tolerance);
    assertThat((double) agree / positions)
        .as("top-1 agreement")
        .isGreaterThanOrEqualTo(nearTiesOnly ? 0.95 : 0.9);
    if (nearTiesOnly) {
      assertThat(widestGap).as("top-1 differs from float32 only at near ties").isLessThan(NEAR_TIE);
    }

    // free-running greedy generation: the golden ids, or a first divergence at a float32 near tie
    try (LlmEngine engine = engine(model, dtype)) {
      Map<String, RequestOutput> outputs = new HashMap<>();
      for (JsonNode c : golden.get("cases")) {
        engine.add(
            c.get("name").asText(),
            SharedData.ints(c.get("prompt_token_ids")),
            SamplingParams.greedy(c.get("max_tokens").asInt()).withIgnoreEos(true));
      }
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outputs.put(o.id(), o));
      }
      for (JsonNode c : golden.get("cases")) {
        String name = c.get("name").asText();
        int[] expected = SharedData.ints(c.get("expected_token_ids"));
        int[] got = outputs.get(name).outputTokenIds();
        int first = 0;
        while (first < expected.length && first < got.length && expected[first] == got[first]) {
          first++;
        }
        if (first == expected.length) {
          System.out.printf("%s %s %s: golden ids identical%n", model, dtype, name);
          continue;
        }
        float[] ref = reference.get(name + "@" + first);
        double gap = (double) ref[expected[first]] - ref[got[first]];
        System.out.printf(
            "%s %s %s: diverges at %d, float32 logit gap %.4f%n", model, dtype, name, first, gap);
        if (nearTiesOnly) {
          assertThat(gap)
              .as("%s leaves the golden ids at %d away from a near tie", name, first)
              .isLessThan(NEAR_TIE);
        }
      }
    }
  }

  /**
   * Logits at every position of each golden sequence, keyed "case@index", fed the golden tokens.
   */
  private static Map<String, float[]> teacherForced(String model, JsonNode golden, Dtype dtype) {
    Map<String, float[]> rows = new HashMap<>();
    try (LlmEngine engine = engine(model, dtype)) {
      engine.setLogitsObserver(
          (id, index, logits, offset, vocab) -> {
            float[] row = new float[vocab];
            System.arraycopy(logits, offset, row, 0, vocab);
            rows.put(id, row);
          });
      for (JsonNode c : golden.get("cases")) {
        int[] prompt = SharedData.ints(c.get("prompt_token_ids"));
        int[] expected = SharedData.ints(c.get("expected_token_ids"));
        for (int k = 0; k < expected.length; k++) {
          int[] forced = new int[prompt.length + k];
          System.arraycopy(prompt, 0, forced, 0, prompt.length);
          System.arraycopy(expected, 0, forced, prompt.length, k);
          engine.add(
              c.get("name").asText() + "@" + k,
              forced,
              SamplingParams.greedy(1).withIgnoreEos(true));
        }
      }
      while (engine.hasUnfinished()) {
        engine.step();
      }
    }
    return rows;
  }

  private static LlmEngine engine(String model, Dtype dtype) {
    return LlmEngine.load(
        SharedData.model(model), EngineConfig.defaults(600).withDtypes(dtype, dtype));
  }
}

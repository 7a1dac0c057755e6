package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Log-probabilities against the independent numpy reference model: the committed {@code
 * golden/tiny-stories-synth-logprobs.json} holds the float32 log-softmax of its logits at every
 * position of the golden greedy cases (made by {@code testdata/tools/logprobs_reference.py}).
 */
class LogprobsTest {

  private static final Path MODEL = SharedData.model("tiny-stories-synth");
  private static final String GOLDEN = "tiny-stories-synth-logprobs.json";

  private static SamplingParams params(
      double temperature, Long seed, int maxTokens, Integer logprobs, int n) {
    return new SamplingParams(temperature, 1, 0, seed, maxTokens, true, null, null, logprobs, n);
  }

  @Test
  void greedyLogprobsMatchTheReferenceModel() {
    JsonNode golden = SharedData.golden(GOLDEN);
    try (LlmEngine engine = LlmEngine.load(MODEL, EngineConfig.defaults(256))) {
      for (JsonNode c : golden.get("cases")) {
        int[] expected = SharedData.ints(c.get("expected_token_ids"));
        engine.add(
            c.get("name").asText(),
            SharedData.ints(c.get("prompt_token_ids")),
            params(0, null, expected.length, 5, 1));
      }
      java.util.Map<String, RequestOutput> outs = new java.util.HashMap<>();
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outs.put(o.id(), o));
      }
      for (JsonNode c : golden.get("cases")) {
        String name = c.get("name").asText();
        RequestOutput.Choice choice = outs.get(name).choices().get(0);
        assertThat(choice.outputTokenIds())
            .as(name)
            .containsExactly(SharedData.ints(c.get("expected_token_ids")));
        List<TokenLogprobs> lps = choice.logprobs();
        assertThat(lps).hasSize(choice.outputTokenIds().length);
        float[] chosen = SharedData.floats(c.get("chosen_logprobs"));
        for (int i = 0; i < lps.size(); i++) {
          TokenLogprobs lp = lps.get(i);
          assertThat(lp.tokenId()).isEqualTo(choice.outputTokenIds()[i]);
          assertThat((double) lp.logprob())
              .as(name + " token " + i)
              .isCloseTo(chosen[i], org.assertj.core.data.Offset.offset(1e-4));
          assertThat(lp.topTokenIds())
              .as(name + " top at " + i)
              .containsExactly(SharedData.ints(c.get("top5_token_ids").get(i)));
          float[] top = SharedData.floats(c.get("top5_logprobs").get(i));
          for (int k = 0; k < top.length; k++) {
            assertThat((double) lp.topLogprobs()[k])
                .isCloseTo(top[k], org.assertj.core.data.Offset.offset(1e-4));
          }
        }
      }
    }
  }

  /**
   * Sampled rows compute the chosen token's value from the row in Java and the device's
   * log-sum-exp.
   */
  @Test
  void sampledLogprobsAgreeWithTheirAlternativesAndDoNotChangeTheTokens() {
    int[] prompt =
        SharedData.ints(SharedData.golden(GOLDEN).get("cases").get(0).get("prompt_token_ids"));
    try (LlmEngine engine = LlmEngine.load(MODEL, EngineConfig.defaults(256))) {
      engine.add("with", prompt, params(1.0, 3L, 20, 20, 3));
      engine.add("without", prompt, params(1.0, 3L, 20, null, 3));
      engine.add("zero", prompt, params(1.0, 3L, 20, 0, 1));
      java.util.Map<String, RequestOutput> outs = new java.util.HashMap<>();
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outs.put(o.id(), o));
      }
      int inTop = 0;
      for (int s = 0; s < 3; s++) {
        RequestOutput.Choice with = outs.get("with").choices().get(s);
        assertThat(with.outputTokenIds())
            .containsExactly(outs.get("without").choices().get(s).outputTokenIds());
        assertThat(outs.get("without").choices().get(s).logprobs()).isNull();
        for (TokenLogprobs lp : with.logprobs()) {
          assertThat(lp.topTokenIds()).hasSize(20);
          assertThat(lp.logprob()).isLessThanOrEqualTo(lp.topLogprobs()[0]);
          double mass = 0;
          boolean found = false;
          for (int k = 0; k < 20; k++) {
            mass += Math.exp(lp.topLogprobs()[k]);
            if (lp.topTokenIds()[k] == lp.tokenId()) {
              assertThat(lp.logprob()).isEqualTo(lp.topLogprobs()[k]);
              found = true;
            }
          }
          assertThat(mass).isLessThan(1 + 1e-5);
          if (found) {
            inTop++;
          } else {
            // computed in Java from the row and the device's log-sum-exp: below every alternative
            assertThat(lp.logprob()).isLessThanOrEqualTo(lp.topLogprobs()[19] + 1e-5f);
          }
        }
      }
      assertThat(inTop).isPositive();
      RequestOutput.Choice zero = outs.get("zero").choices().get(0);
      assertThat(zero.outputTokenIds())
          .containsExactly(outs.get("with").choices().get(0).outputTokenIds());
      assertThat(zero.logprobs())
          .hasSize(20)
          .allSatisfy(lp -> assertThat(lp.topTokenIds()).isEmpty());
    }
  }

  /**
   * Where python3 with numpy and the reference script are at hand, the committed file is what it
   * computes.
   */
  @Test
  void committedReferenceIsWhatTheReferenceScriptComputes() throws Exception {
    Path script = SharedData.root().resolve("tools/logprobs_reference.py");
    // the project's shared folder beside the checkout, or the data root when it is that folder
    Path peers = SharedData.root().getParent().resolveSibling("shared").resolve("peers");
    if (!Files.isRegularFile(peers.resolve("hf_llama_ref.py"))) {
      peers = SharedData.root().resolve("peers");
    }
    assumeThat(Files.isRegularFile(peers.resolve("hf_llama_ref.py")))
        .as("reference script present")
        .isTrue();
    assumeThat(Files.isRegularFile(script)).as("tools script present").isTrue();
    assumeThat(Files.isExecutable(Path.of("/usr/bin/python3"))).isTrue();
    Process check = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy").start();
    assumeThat(check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0).as("numpy").isTrue();
    Path out = Files.createTempFile("logprobs", ".json");
    try {
      Process p =
          new ProcessBuilder(
                  "/usr/bin/python3",
                  script.toString(),
                  peers.toString(),
                  MODEL.toString(),
                  SharedData.root().resolve("golden/tiny-stories-synth-greedy.json").toString(),
                  "24")
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).isZero();
      ObjectMapper json = new ObjectMapper();
      JsonNode fresh = json.readTree(out.toFile());
      JsonNode committed = SharedData.golden(GOLDEN);
      for (int i = 0; i < committed.get("cases").size(); i++) {
        float[] a = SharedData.floats(committed.get("cases").get(i).get("chosen_logprobs"));
        float[] b = SharedData.floats(fresh.get("cases").get(i).get("chosen_logprobs"));
        assertThat(b).containsExactly(a, org.assertj.core.data.Offset.offset(1e-6f));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }
}

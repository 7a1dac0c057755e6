package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import io.pagedstream.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * n samples of one prompt: the prompt is computed once and its blocks shared; sample i draws
 * exactly what a separate request seeded with seed + i draws, which also shows that the shared and
 * copied-on-write KV blocks hold what the sample's own prefill would have written.
 */
class ParallelSamplesTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final int PROMPT =
      37; // not a multiple of the block size: the last block is shared partly filled
  private static final int MAX_TOKENS = 30;

  private record Run(Map<String, RequestOutput> outputs, EngineStats stats) {}

  private static int[] prompt() {
    Random rnd = new Random(7);
    int[] p = new int[PROMPT];
    for (int i = 0; i < p.length; i++) {
      p[i] = 1 + rnd.nextInt(511);
    }
    return p;
  }

  private static SamplingParams sampled(long seed, int n) {
    return new SamplingParams(0.9, 0.95, 40, seed, MAX_TOKENS, true, null, null, null, n);
  }

  private static Run run(EngineConfig config, Map<String, SamplingParams> requests) {
    try (LlmEngine engine = LlmEngine.load(MODEL, config)) {
      return run(engine, requests);
    }
  }

  /**
   * One run on an engine already loaded (prefix caching off: earlier runs leave nothing behind).
   */
  private static Run run(LlmEngine engine, Map<String, SamplingParams> requests) {
    engine.resetStats();
    Map<String, RequestOutput> outs = new LinkedHashMap<>();
    requests.forEach((id, p) -> engine.add(id, prompt(), p));
    while (engine.hasUnfinished()) {
      engine.step().forEach(o -> outs.put(o.id(), o));
    }
    return new Run(outs, engine.stats());
  }

  private static EngineConfig roomy() {
    return EngineConfig.defaults(256).withPrefixCaching(false);
  }

  @Test
  void eightSamplesComputeThePromptOnceAndEqualEightSeededRequests() {
    try (LlmEngine engine = LlmEngine.load(MODEL, roomy())) {
      eightSamples(engine);
    }
  }

  private static void eightSamples(LlmEngine engine) {
    Run shared = run(engine, Map.of("r", sampled(42, 8)));
    Map<String, SamplingParams> separate = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      separate.put("s" + i, sampled(42 + i, 1));
    }
    Run alone = run(engine, separate);

    RequestOutput out = shared.outputs().get("r");
    assertThat(out.error()).isNull();
    assertThat(out.choices()).hasSize(8);
    for (int i = 0; i < 8; i++) {
      RequestOutput.Choice c = out.choices().get(i);
      assertThat(c.index()).isEqualTo(i);
      assertThat(c.finishReason()).isEqualTo(FinishReason.LENGTH);
      assertThat(c.outputTokenIds())
          .as("sample " + i)
          .containsExactly(alone.outputs().get("s" + i).outputTokenIds());
    }
    assertThat(
            out.choices().stream()
                .map(c -> java.util.Arrays.toString(c.outputTokenIds()))
                .distinct())
        .hasSizeGreaterThan(1);
    // the prompt once, then each sample's own tokens (all but its last are fed back)
    assertThat(shared.stats().computedTokens()).isEqualTo(PROMPT + 8L * (MAX_TOKENS - 1));
    assertThat(alone.stats().computedTokens()).isEqualTo(8L * (PROMPT + MAX_TOKENS - 1));
    // 2 full prompt blocks shared by all; 8 x 5 blocks when separate
    assertThat(alone.stats().peakBlocksUsed()).isEqualTo(8 * 5);
    assertThat(shared.stats().peakBlocksUsed()).isLessThanOrEqualTo(2 + 8 * 3);

    Run again = run(engine, Map.of("r", sampled(42, 8)));
    for (int i = 0; i < 8; i++) {
      assertThat(again.outputs().get("r").choices().get(i).outputTokenIds())
          .containsExactly(out.choices().get(i).outputTokenIds());
    }
  }

  @Test
  void greedySamplesAreIdentical() {
    SamplingParams two = new SamplingParams(0, 1, 0, null, MAX_TOKENS, true, null, null, null, 2);
    Run run =
        run(
            roomy(),
            Map.of("two", two, "one", SamplingParams.greedy(MAX_TOKENS).withIgnoreEos(true)));
    int[] one = run.outputs().get("one").outputTokenIds();
    assertThat(run.outputs().get("two").choices())
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.outputTokenIds()).containsExactly(one));
  }

  @Test
  void preemptingSamplesOfAGroupKeepsTheirTokens() {
    Map<String, SamplingParams> requests = new LinkedHashMap<>();
    requests.put("a", sampled(5, 4));
    requests.put("b", sampled(9, 3));
    Run reference = run(roomy(), requests);
    // 9 blocks of 16: a sample alone needs 5, so the groups keep preempting each other's samples
    for (PreemptionMode mode : PreemptionMode.values()) {
      EngineConfig tight =
          EngineConfig.defaults(9).withPreemption(mode, mode == PreemptionMode.SWAP ? 1L << 24 : 0);
      // recompute with prefix caching re-shares the prompt's cached blocks; swap copies shared
      // blocks out
      for (boolean prefix : new boolean[] {mode == PreemptionMode.RECOMPUTE}) {
        Run r = run(tight.withPrefixCaching(prefix), requests);
        assertThat(r.stats().preemptions()).as(mode + " prefix " + prefix).isPositive();
        for (String id : requests.keySet()) {
          List<RequestOutput.Choice> want = reference.outputs().get(id).choices();
          List<RequestOutput.Choice> got = r.outputs().get(id).choices();
          assertThat(got).hasSize(want.size());
          for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i).outputTokenIds())
                .as(mode + " " + id + " sample " + i)
                .containsExactly(want.get(i).outputTokenIds());
          }
        }
      }
    }
  }

  @Test
  void abortingAGroupFreesAllItsBlocks() {
    try (LlmEngine engine = LlmEngine.load(MODEL, roomy())) {
      engine.add("r", prompt(), sampled(1, 6));
      List<RequestOutput> outs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        outs.addAll(engine.step());
      }
      assertThat(outs).isEmpty();
      assertThat(engine.numRunning()).isEqualTo(6);
      assertThat(engine.abort("r")).isTrue();
      assertThat(engine.kvBlocksUsed()).isZero();
      assertThat(engine.hasUnfinished()).isFalse();
    }
  }
}

package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import io.pagedstream.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer scripts give every logit the bits the op-by-op forward pass gives: they are the same
 * computation issued from inside PyTorch, and the batch-invariance measurement, made op by op,
 * holds for them only if they are.
 */
class LayerScriptsTest {

  private record Req(String id, int[] prompt, int maxTokens) {}

  @ParameterizedTest(name = "{0}, weights {1}, KV {2}")
  @CsvSource({
    "tiny-stories-synth,BFLOAT16,BFLOAT16",
    "stories260K,BFLOAT16,BFLOAT16",
    // bfloat16 weights with a float32 cache: the dense blocks are scripted, attention is not
    "tiny-stories-synth,BFLOAT16,FLOAT32"
  })
  void scriptedLayersGiveTheOpByOpBits(String modelName, Dtype weights, Dtype kv) {
    Path model = SharedData.model(modelName);
    Random rnd = new Random(5);
    List<Req> reqs = new ArrayList<>();
    int[] shared = rnd.ints(40, 1, 500).toArray();
    for (int i = 0; i < 14; i++) {
      int len = 1 + rnd.nextInt(i % 4 == 0 ? 200 : 60);
      int[] p = new int[len];
      for (int j = 0; j < len; j++) {
        p[j] = i % 3 == 0 && j < shared.length ? shared[j] : 1 + rnd.nextInt(500);
      }
      reqs.add(new Req("r" + i, p, 1 + rnd.nextInt(70)));
    }
    // several groups per step, chunked prefills beside decodes, preemption and prefix hits
    EngineConfig config =
        EngineConfig.defaults(24)
            .withDtypes(weights, kv)
            .withBlocks(16, 24)
            .withMaxNumBatchedTokens(100)
            .withPreemption(PreemptionMode.RECOMPUTE, 0);
    Map<String, float[]> opByOp = logits(model, config.withLayerScripts(false), reqs, false);
    Map<String, float[]> scripted = logits(model, config, reqs, true);
    assertThat(scripted.keySet()).isEqualTo(opByOp.keySet());
    List<String> differing = new ArrayList<>();
    opByOp.forEach(
        (k, v) -> {
          if (!Arrays.equals(v, scripted.get(k))) {
            differing.add(k);
          }
        });
    assertThat(differing).as("logit rows differing").isEmpty();
  }

  private static Map<String, float[]> logits(
      Path model, EngineConfig config, List<Req> reqs, boolean scripts) {
    Map<String, float[]> out = new HashMap<>();
    try (LlmEngine engine = LlmEngine.load(model, config)) {
      assertThat(engine.runsLayerScripts()).isEqualTo(scripts);
      engine.setLogitsObserver(
          (id, index, logits, offset, vocab) ->
              out.put(id + "@" + index, Arrays.copyOfRange(logits, offset, offset + vocab)));
      reqs.forEach(
          r ->
              engine.add(
                  r.id(), r.prompt(), SamplingParams.greedy(r.maxTokens()).withIgnoreEos(true)));
      while (engine.hasUnfinished()) {
        engine.step();
      }
      assertThat(engine.stats().preemptions).as("the pool is small enough to preempt").isPositive();
    }
    return out;
  }
}

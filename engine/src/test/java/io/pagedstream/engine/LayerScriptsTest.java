package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import io.pagedstream.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer scripts give every logit the bits the op-by-op forward pass gives: they are the same
 * computation issued from inside PyTorch, and the batch-invariance measurement, made op by op,
 * holds for them only if they are.
 */
class LayerScriptsTest {

  @ParameterizedTest(name = "{0}, weights {1}, KV {2}")
  @CsvSource({
    "tiny-stories-synth,BFLOAT16,BFLOAT16",
    "stories260K,BFLOAT16,BFLOAT16",
    // bfloat16 weights with a float32 cache: the dense blocks are scripted, attention is not
    "tiny-stories-synth,BFLOAT16,FLOAT32"
  })
  void scriptedLayersGiveTheOpByOpBits(String modelName, Dtype weights, Dtype kv) {
    Path model = SharedData.model(modelName);
    List<LogitRows.Req> reqs = LogitRows.requests(5, new LogitRows.Mix(14, 40, 4, 200, 60, 70));
    // several groups per step, chunked prefills beside decodes, preemption and prefix hits
    EngineConfig config =
        EngineConfig.defaults(24)
            .withDtypes(weights, kv)
            .withBlocks(16, 24)
            .withMaxNumBatchedTokens(100)
            .withPreemption(PreemptionMode.RECOMPUTE, 0);
    Map<String, float[]> opByOp =
        LogitRows.of(model, config.withLayerScripts(false), reqs, e -> check(e, false));
    Map<String, float[]> scripted = LogitRows.of(model, config, reqs, e -> check(e, true));
    LogitRows.assertSame(opByOp, scripted, "with the scripts");
  }

  private static void check(LlmEngine engine, boolean scripts) {
    assertThat(engine.runsLayerScripts()).isEqualTo(scripts);
    assertThat(engine.stats().preemptions).as("the pool is small enough to preempt").isPositive();
  }
}

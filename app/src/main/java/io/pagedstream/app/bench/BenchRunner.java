package io.pagedstream.app.bench;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.EngineStats;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.engine.RequestOutput;
import io.pagedstream.engine.ResidentMemory;
import io.pagedstream.engine.model.StepProfile;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs a {@link Workload} through a freshly loaded engine and measures it. */
public final class BenchRunner {

  private final Path model;

  public BenchRunner(Path model) {
    this.model = model;
  }

  public BenchResult run(String label, EngineConfig config, Workload workload) {
    return run(label, config, workload, false);
  }

  /** With {@code profile}, also where a decode-only step's time goes, in ms per step by section. */
  public BenchResult run(String label, EngineConfig config, Workload workload, boolean profile) {
    try (LlmEngine engine = LlmEngine.load(model, config)) {
      warmUp(engine, workload);
      StepProfile steps = profile ? engine.profileDecodeSteps() : null;
      Map<String, int[]> outputs = new HashMap<>();
      long errors = 0;
      long start = System.nanoTime();
      for (Workload.Request r : workload.requests()) {
        engine.add(r.id(), r.prompt(), r.params());
      }
      while (engine.hasUnfinished()) {
        for (RequestOutput o : engine.step()) {
          if (o.choices().size() == 1) {
            outputs.put(o.id(), o.outputTokenIds());
          } else {
            o.choices().forEach(c -> outputs.put(o.id() + "#" + c.index(), c.outputTokenIds()));
          }
          if (o.isError()) {
            errors++;
          }
        }
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      EngineStats s = engine.stats();
      return new BenchResult(
          label,
          workload.requests().size(),
          workload.promptTokens(),
          s.outputTokens(),
          elapsed,
          s.kvWasteFraction(),
          s.peakBlocksUsed(),
          config.numKvBlocks(),
          s.peakRunning(),
          s.preemptions(),
          s.recomputedTokens(),
          s.computedTokens(),
          s.prefixCacheHitTokens(),
          s.swapOuts(),
          errors,
          modelFlops(engine.spec(), s) / 1e9,
          engine.device().toString(),
          outputs,
          memory(engine),
          steps == null ? null : byName(steps),
          engine.batchInvariance().toString(),
          engine.runsLayerScripts());
    }
  }

  private static Map<String, Double> byName(StepProfile p) {
    Map<String, Double> out = new java.util.LinkedHashMap<>();
    p.millisPerStep().forEach((section, ms) -> out.put(section.name().toLowerCase(), ms));
    out.put("steps", (double) p.steps());
    out.put("tokens_per_step", p.tokens() / (double) Math.max(1, p.steps()));
    return out;
  }

  private static BenchResult.Memory memory(LlmEngine engine) {
    Dtype w = engine.precision().weights();
    Dtype kv = engine.precision().kv();
    MemoryPlan plan = MemoryPlan.of(engine.spec(), w).withKvDtype(kv);
    return new BenchResult.Memory(
        w.label(),
        kv.label(),
        plan.weightBytes(),
        plan.kvBytesPerToken(),
        engine.kvCacheBytes(),
        engine.loadMemory().rssBeforeBytes(),
        engine.loadMemory().rssPeakBytes(),
        ResidentMemory.peak());
  }

  /**
   * Runs requests shaped like the workload's (same prompt lengths, other tokens, a few steps each)
   * until the JIT has compiled the scheduler's and sampler's hot paths: otherwise whichever run
   * comes first in a comparison pays for it. Other tokens, so that no prefix is cached.
   */
  private static void warmUp(LlmEngine engine, Workload workload) {
    int vocab = engine.spec().vocabSize();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(-1);
    int n = Math.min(workload.requests().size(), 32);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < n; i++) {
        Workload.Request r = workload.requests().get(i);
        engine.add(
            "warmup-" + round + "-" + i,
            rnd.ints(r.prompt().length, 0, vocab).toArray(),
            io.pagedstream.core.request.SamplingParams.greedy(8).withIgnoreEos(true));
      }
      while (engine.hasUnfinished()) {
        engine.step();
      }
    }
    engine.resetStats();
  }

  /**
   * FLOPs of the forward passes run: 2 per weight per computed token for the dense layers, the LM
   * head only for sampled tokens, and 4 x heads x head_dim per attended (query, key) pair.
   */
  static double modelFlops(ModelSpec s, EngineStats stats) {
    long h = s.hiddenSize();
    long q = (long) s.numHeads() * s.headDim();
    long kv = (long) s.numKvHeads() * s.headDim();
    long perLayer = h * (q + 2 * kv) + q * h + 3 * h * s.intermediateSize();
    double dense = 2.0 * perLayer * s.numLayers() * stats.computedTokens();
    double head = 2.0 * h * s.vocabSize() * stats.outputTokens();
    double attention = 4.0 * q * s.numLayers() * stats.attentionPairs();
    return dense + head + attention;
  }

  public static EngineConfig contiguous(EngineConfig c) {
    return c.withLayout(KvLayout.CONTIGUOUS);
  }
}

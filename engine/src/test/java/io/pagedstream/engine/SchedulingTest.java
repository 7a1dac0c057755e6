package io.pagedstream.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.FinishReason;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.engine.kv.AvailableMemory;
import io.pagedstream.engine.kv.KvCache;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
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
 * The scheduler's memory policies on a real model: whatever the pool size, chunking, preemption
 * mode, prefix caching or KV layout, every request gets the same tokens as with a roomy pool.
 */
class SchedulingTest {

  private static final Path MODEL = SharedData.model("stories260K");

  private record Req(String id, int[] prompt, SamplingParams params) {}

  private record Run(Map<String, RequestOutput> outputs, EngineStats stats) {}

  private static List<Req> workload(long seed, int n, boolean sampled) {
    Random rnd = new Random(seed);
    int[] shared = new int[40];
    for (int i = 0; i < shared.length; i++) {
      shared[i] = 1 + rnd.nextInt(511);
    }
    List<Req> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // even requests share a 40-token prefix and are long enough to hold it
      int len = (i % 2 == 0 ? 45 : 5) + rnd.nextInt(80);
      int[] p = new int[len];
      for (int j = 0; j < len; j++) {
        p[j] = j < shared.length && i % 2 == 0 ? shared[j] : 1 + rnd.nextInt(511);
      }
      SamplingParams params =
          sampled
              ? new SamplingParams(0.9, 0.95, 40, 1000L + i, 20 + rnd.nextInt(60), true)
              : SamplingParams.greedy(20 + rnd.nextInt(60)).withIgnoreEos(true);
      out.add(new Req("r" + i, p, params));
    }
    return out;
  }

  private static Run run(EngineConfig config, List<Req> reqs) {
    try (LlmEngine engine = LlmEngine.load(MODEL, config)) {
      Map<String, RequestOutput> outs = new LinkedHashMap<>();
      reqs.forEach(r -> engine.add(r.id(), r.prompt(), r.params()));
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outs.put(o.id(), o));
      }
      return new Run(outs, engine.stats());
    }
  }

  /** {@link #run}, with every KV slot but padding's filled with NaN before the first request. */
  private static Run runOnPoisonedPool(EngineConfig config, List<Req> reqs) {
    try (LlmEngine engine = LlmEngine.load(MODEL, config)) {
      engine.kvCache().fillUnwritten(Float.NaN);
      Map<String, RequestOutput> outs = new LinkedHashMap<>();
      reqs.forEach(r -> engine.add(r.id(), r.prompt(), r.params()));
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outs.put(o.id(), o));
      }
      return new Run(outs, engine.stats());
    }
  }

  private static void assertSameTokens(Run expected, Run actual) {
    assertThat(actual.outputs().keySet()).isEqualTo(expected.outputs().keySet());
    expected
        .outputs()
        .forEach(
            (id, o) -> {
              assertThat(actual.outputs().get(id).error()).as(id).isNull();
              assertThat(actual.outputs().get(id).outputTokenIds())
                  .as(id)
                  .containsExactly(o.outputTokenIds());
            });
  }

  private static EngineConfig roomy() {
    return EngineConfig.defaults(2000);
  }

  @Test
  void recomputationUnderMemoryPressureKeepsGreedyAndSeededOutputs() {
    for (boolean sampled : new boolean[] {false, true}) {
      List<Req> reqs = workload(7, 24, sampled);
      Run reference = run(roomy().withPrefixCaching(false), reqs);
      Run tight = run(roomy().withBlocks(16, 26), reqs);
      assertSameTokens(reference, tight);
      assertThat(tight.stats().preemptions()).isPositive();
      assertThat(tight.stats().recomputedTokens()).isPositive();
      assertThat(tight.stats().peakBlocksUsed()).isLessThanOrEqualTo(26);
    }
  }

  @Test
  void swappingUnderMemoryPressureKeepsOutputsAndSwapsBack() {
    List<Req> reqs = workload(11, 24, true);
    Run reference = run(roomy(), reqs);
    Run swapped =
        run(roomy().withBlocks(16, 26).withPreemption(PreemptionMode.SWAP, 64L << 20), reqs);
    assertSameTokens(reference, swapped);
    assertThat(swapped.stats().swapOuts()).isPositive();
    assertThat(swapped.stats().swapIns()).isEqualTo(swapped.stats().swapOuts());
    assertThat(swapped.stats().recomputedTokens()).isZero();
  }

  @Test
  void swapSpaceTooSmallFallsBackToRecomputation() {
    List<Req> reqs = workload(12, 16, false);
    Run reference = run(roomy(), reqs);
    // room for a single block: no sequence fits, so every preemption recomputes
    long oneBlock = 5L * 4 * 64 / 8 * 2 * 4 * 16;
    Run run = run(roomy().withBlocks(16, 20).withPreemption(PreemptionMode.SWAP, oneBlock), reqs);
    assertSameTokens(reference, run);
    assertThat(run.stats().preemptions()).isPositive();
    assertThat(run.stats().recomputedTokens()).isPositive();
  }

  @Test
  void chunkedPrefillGivesTheSameTokens() {
    List<Req> reqs = workload(3, 12, false);
    Run reference = run(roomy(), reqs);
    for (int budget : new int[] {1, 7, 16, 50}) {
      assertSameTokens(reference, run(roomy().withMaxNumBatchedTokens(budget), reqs));
    }
  }

  @Test
  void prefixCachingServesSharedPrefixesWithIdenticalOutputs() {
    List<Req> reqs = workload(5, 16, false);
    Run off = run(roomy().withPrefixCaching(false), reqs);
    // one at a time, so later requests find the earlier ones' blocks cached
    Run on = run(roomy().withMaxNumSeqs(1), reqs);
    assertSameTokens(off, on);
    assertThat(off.stats().prefixCacheHitTokens()).isZero();
    // 8 requests share a 40-token prefix: 2 full blocks each after the first
    assertThat(on.stats().prefixCacheHitTokens()).isGreaterThanOrEqualTo(7 * 32);
    assertThat(on.stats().computedTokens()).isLessThan(off.stats().computedTokens());
  }

  /**
   * The KV pool is allocated uninitialized (see {@code KvCache}), which is safe only if no slot is
   * read before it is written. Filled with NaN, any such read would spread NaN into the logits; the
   * tokens stay the same through padding, chunked prefill, prefix caching, copy-on-write,
   * recomputation and swapping.
   */
  @Test
  void noKvSlotIsReadBeforeItIsWritten() {
    List<Req> reqs = workload(13, 24, false);
    Run reference = run(roomy(), reqs);
    assertSameTokens(reference, runOnPoisonedPool(roomy(), reqs));
    assertSameTokens(reference, runOnPoisonedPool(roomy().withMaxNumBatchedTokens(7), reqs));
    Run recomputed = runOnPoisonedPool(roomy().withBlocks(16, 26), reqs);
    assertSameTokens(reference, recomputed);
    assertThat(recomputed.stats().recomputedTokens()).isPositive();
    Run swapped =
        runOnPoisonedPool(
            roomy().withBlocks(16, 26).withPreemption(PreemptionMode.SWAP, 64L << 20), reqs);
    assertSameTokens(reference, swapped);
    assertThat(swapped.stats().swapIns()).isPositive();
    Run cached = runOnPoisonedPool(roomy().withMaxNumSeqs(1), reqs);
    assertSameTokens(reference, cached);
    assertThat(cached.stats().prefixCacheHitTokens()).isPositive();
  }

  @Test
  void contiguousLayoutReservesUpFrontAndWastesMore() {
    List<Req> reqs = workload(9, 16, false);
    Run paged = run(roomy().withPrefixCaching(false), reqs);
    Run contiguous = run(roomy().withLayout(KvLayout.CONTIGUOUS), reqs);
    assertSameTokens(paged, contiguous);
    assertThat(contiguous.stats().kvWasteFraction()).isGreaterThan(paged.stats().kvWasteFraction());
    assertThat(contiguous.stats().preemptions()).isZero();
    // with a small pool, up-front reservations let fewer sequences run at once
    Run pagedSmall = run(roomy().withBlocks(16, 40).withPrefixCaching(false), reqs);
    Run contiguousSmall = run(roomy().withBlocks(16, 40).withLayout(KvLayout.CONTIGUOUS), reqs);
    assertSameTokens(paged, contiguousSmall);
    assertThat(contiguousSmall.stats().peakRunning()).isLessThan(pagedSmall.stats().peakRunning());
  }

  @Test
  void continuousBatchingAdmitsAWaitingSequenceAsSoonAsOneFinishes() {
    try (LlmEngine engine = LlmEngine.load(MODEL, roomy().withMaxNumSeqs(2))) {
      engine.add("short", new int[] {1, 5}, SamplingParams.greedy(3).withIgnoreEos(true));
      engine.add("long", new int[] {1, 6}, SamplingParams.greedy(30).withIgnoreEos(true));
      engine.add("next", new int[] {1, 7}, SamplingParams.greedy(3).withIgnoreEos(true));
      List<String> finishedAt = new ArrayList<>();
      int step = 0;
      int runningAfterShortFinished = -1;
      while (engine.hasUnfinished()) {
        step++;
        for (RequestOutput o : engine.step()) {
          finishedAt.add(o.id() + "@" + step);
        }
        if (finishedAt.contains("short@3") && runningAfterShortFinished < 0 && step == 4) {
          runningAfterShortFinished = engine.numRunning();
        }
      }
      // "short" ends at step 3; "next" is prefilled in step 4 beside "long"'s decode
      assertThat(finishedAt).containsExactly("short@3", "next@6", "long@30");
      assertThat(runningAfterShortFinished).isEqualTo(2);
    }
  }

  @Test
  void aRequestThatCanNeverFitGetsAnErrorAtOnce() {
    try (LlmEngine engine = LlmEngine.load(MODEL, roomy().withBlocks(16, 4))) {
      engine.add("huge", new int[60], SamplingParams.greedy(10).withIgnoreEos(true));
      engine.add("fits", new int[] {1, 2, 3}, SamplingParams.greedy(5).withIgnoreEos(true));
      Map<String, RequestOutput> outs = new LinkedHashMap<>();
      int steps = 0;
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outs.put(o.id(), o));
        steps++;
      }
      assertThat(outs.get("huge").finishReason()).isEqualTo(FinishReason.ERROR);
      assertThat(outs.get("huge").error())
          .isEqualTo(
              "prompt (60 tokens) + max_tokens (10) needs 5 KV blocks of 16 tokens, more than the whole KV pool holds (4)");
      assertThat(outs.get("fits").outputTokenIds()).hasSize(5);
      assertThat(steps).isEqualTo(5);
    }
  }

  @Test
  void aKvPoolLargerThanTheHostsMemoryFailsAtStartUp() {
    assumeTrue(AvailableMemory.bytes().isPresent(), "the host's available memory is unknown here");
    // 10^8 blocks of 16 tokens at 1,280 bytes a token: 2 TB
    assertThatThrownBy(() -> LlmEngine.load(MODEL, roomy().withBlocks(16, 100_000_000)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the KV cache needs 1907.35 GiB but only ")
        .hasMessageEndingWith("GiB of memory is available; lower --kv-cache-gib");
  }

  @Test
  void aKvPoolAndSwapSpaceThatFitOnlyOneByOneFailAtStartUp() {
    assumeTrue(AvailableMemory.bytes().isPresent(), "the host's available memory is unknown here");
    // each 60% of what is available now: either alone fits, both together do not
    long share = AvailableMemory.bytes().getAsLong() * 6 / 10;
    long perBlock = KvCache.bytesFor(ModelSpec.load(MODEL), 1, 16, Dtype.FLOAT32);
    EngineConfig config =
        roomy().withBlocks(16, (int) (share / perBlock)).withPreemption(PreemptionMode.SWAP, share);
    assertThatThrownBy(() -> LlmEngine.load(MODEL, config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the KV cache (")
        .hasMessageContaining(" GiB) and the swap space (")
        .hasMessageEndingWith(
            "GiB of memory is available; lower --kv-cache-gib or --swap-space-gib");
  }

  @Test
  void stopsAtEosUnlessIgnored() {
    // tiny-stories-synth ends its stories with EOS 1023
    try (LlmEngine engine = LlmEngine.load(SharedData.model("tiny-stories-synth"), roomy())) {
      engine.add("stop", new int[] {1023}, SamplingParams.greedy(400));
      engine.add("ignore", new int[] {1023}, SamplingParams.greedy(400).withIgnoreEos(true));
      Map<String, RequestOutput> outs = new LinkedHashMap<>();
      while (engine.hasUnfinished()) {
        engine.step().forEach(o -> outs.put(o.id(), o));
      }
      RequestOutput stop = outs.get("stop");
      assertThat(stop.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(stop.outputTokenIds()[stop.outputTokenIds().length - 1]).isEqualTo(1023);
      assertThat(stop.outputTokenIds().length).isLessThan(400);
      assertThat(outs.get("ignore").finishReason()).isEqualTo(FinishReason.LENGTH);
      assertThat(outs.get("ignore").outputTokenIds()).hasSize(400);
    }
  }
}

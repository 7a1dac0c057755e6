package io.pagedstream.engine;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.engine.precision.Precision;
import io.pagedstream.engine.scheduler.SchedulerConfig;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import java.util.function.Consumer;

/**
 * How to run the engine.
 *
 * @param device "cpu", "cuda" (fails clearly when no GPU is visible) or "auto"
 * @param numKvBlocks KV blocks in the pool
 * @param swapSpaceBytes host memory for swap-mode preemption
 * @param batchInvariant pad products so that no token's logits depend on its batch (see
 *     BatchInvariance); off only to measure what that padding costs
 * @param layerScripts run a layer's blocks as one TorchScript call each where they apply (bfloat16
 *     on a CPU; see LayerScripts); off only to measure what they give, or to check that they give
 *     the same bits as the op-by-op path
 * @param dtype what weights are stored in and dense products computed in (resolved, never "auto")
 * @param kvCacheDtype what the KV cache stores K and V in
 */
public record EngineConfig(
    String device,
    int blockSize,
    int numKvBlocks,
    int maxNumSeqs,
    int maxNumBatchedTokens,
    boolean prefixCaching,
    PreemptionMode preemptionMode,
    long swapSpaceBytes,
    KvLayout kvLayout,
    boolean batchInvariant,
    boolean layerScripts,
    Dtype dtype,
    Dtype kvCacheDtype) {

  public static final int DEFAULT_BLOCK_SIZE = 16;
  public static final int DEFAULT_MAX_NUM_SEQS = 256;
  public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS =
      MemoryPlan.DEFAULT_MAX_NUM_BATCHED_TOKENS;

  public EngineConfig {
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
    }
    if (numKvBlocks < 1) {
      throw new IllegalArgumentException("the KV pool needs at least 1 block, got " + numKvBlocks);
    }
    if (swapSpaceBytes < 0) {
      throw new IllegalArgumentException("swap space cannot be negative");
    }
    for (Dtype d : new Dtype[] {dtype, kvCacheDtype}) {
      if (d == null || !Precision.RUNNABLE.contains(d)) {
        throw new IllegalArgumentException(
            "the engine runs float32, float16 or bfloat16, not " + d);
      }
    }
    // build once to validate the scheduling limits with their own messages
    new SchedulerConfig(maxNumSeqs, maxNumBatchedTokens, preemptionMode, kvLayout);
  }

  /** Defaults for everything but the pool size. */
  public static EngineConfig defaults(int numKvBlocks) {
    return new EngineConfig(
        "cpu",
        DEFAULT_BLOCK_SIZE,
        numKvBlocks,
        DEFAULT_MAX_NUM_SEQS,
        DEFAULT_MAX_NUM_BATCHED_TOKENS,
        true,
        PreemptionMode.RECOMPUTE,
        0,
        KvLayout.PAGED,
        true,
        true,
        Dtype.FLOAT32,
        Dtype.FLOAT32);
  }

  public SchedulerConfig schedulerConfig() {
    return new SchedulerConfig(maxNumSeqs, maxNumBatchedTokens, preemptionMode, kvLayout);
  }

  public EngineConfig withBlocks(int blockSize, int numKvBlocks) {
    return edit(
        c -> {
          c.blockSize = blockSize;
          c.numKvBlocks = numKvBlocks;
        });
  }

  public EngineConfig withMaxNumSeqs(int n) {
    return edit(c -> c.maxNumSeqs = n);
  }

  public EngineConfig withMaxNumBatchedTokens(int n) {
    return edit(c -> c.maxNumBatchedTokens = n);
  }

  public EngineConfig withPrefixCaching(boolean on) {
    return edit(c -> c.prefixCaching = on);
  }

  public EngineConfig withPreemption(PreemptionMode mode, long swapBytes) {
    return edit(
        c -> {
          c.preemptionMode = mode;
          c.swapSpaceBytes = swapBytes;
        });
  }

  /** The KV layout; prefix caching stays on only with the paged one. */
  public EngineConfig withLayout(KvLayout layout) {
    return edit(
        c -> {
          c.kvLayout = layout;
          c.prefixCaching = layout == KvLayout.PAGED && prefixCaching;
        });
  }

  public EngineConfig withLayerScripts(boolean on) {
    return edit(c -> c.layerScripts = on);
  }

  /** Weights (and dense products) in {@code weights}, K and V in {@code kv}. */
  public EngineConfig withDtypes(Dtype weights, Dtype kv) {
    return edit(
        c -> {
          c.dtype = weights;
          c.kvCacheDtype = kv;
        });
  }

  /** A copy with {@code change} applied, validated by the canonical constructor. */
  private EngineConfig edit(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** The components as fields, for {@link #edit}: one place that lists them all. */
  private static final class Draft {
    String device;
    int blockSize;
    int numKvBlocks;
    int maxNumSeqs;
    int maxNumBatchedTokens;
    boolean prefixCaching;
    PreemptionMode preemptionMode;
    long swapSpaceBytes;
    KvLayout kvLayout;
    boolean batchInvariant;
    boolean layerScripts;
    Dtype dtype;
    Dtype kvCacheDtype;

    Draft(EngineConfig c) {
      device = c.device;
      blockSize = c.blockSize;
      numKvBlocks = c.numKvBlocks;
      maxNumSeqs = c.maxNumSeqs;
      maxNumBatchedTokens = c.maxNumBatchedTokens;
      prefixCaching = c.prefixCaching;
      preemptionMode = c.preemptionMode;
      swapSpaceBytes = c.swapSpaceBytes;
      kvLayout = c.kvLayout;
      batchInvariant = c.batchInvariant;
      layerScripts = c.layerScripts;
      dtype = c.dtype;
      kvCacheDtype = c.kvCacheDtype;
    }

    EngineConfig build() {
      return new EngineConfig(
          device,
          blockSize,
          numKvBlocks,
          maxNumSeqs,
          maxNumBatchedTokens,
          prefixCaching,
          preemptionMode,
          swapSpaceBytes,
          kvLayout,
          batchInvariant,
          layerScripts,
          dtype,
          kvCacheDtype);
    }
  }
}

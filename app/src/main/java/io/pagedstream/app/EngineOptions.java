package io.pagedstream.app;

import io.pagedstream.core.memory.GpuBudget;
import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.precision.DtypeChoice;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.engine.scheduler.SchedulerConfig.PreemptionMode;
import picocli.CommandLine.Option;

/** Engine settings shared by every command that runs the engine. */
public final class EngineOptions {

  @Option(
      names = "--device",
      defaultValue = "cpu",
      description = "cpu, cuda or auto (default: ${DEFAULT-VALUE})")
  String device;

  @Option(
      names = "--kv-blocks",
      description =
          "KV cache blocks in the pool (default: from --kv-cache-gib through the memory plan)")
  Integer kvBlocks;

  @Option(
      names = "--kv-cache-gib",
      defaultValue = "1.0",
      description =
          "memory for the KV cache when --kv-blocks is not given, in GiB (default: ${DEFAULT-VALUE})")
  double kvCacheGib;

  @Option(
      names = "--block-size",
      defaultValue = "16",
      description = "tokens per KV block (default: ${DEFAULT-VALUE})")
  int blockSize;

  @Option(
      names = "--max-num-seqs",
      defaultValue = "256",
      description = "sequences running at once (default: ${DEFAULT-VALUE})")
  int maxNumSeqs;

  @Option(
      names = "--max-num-batched-tokens",
      defaultValue = "" + EngineConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS,
      description =
          "tokens computed per step; longer prompts are prefilled in chunks (default: ${DEFAULT-VALUE})")
  int maxNumBatchedTokens;

  @Option(
      names = "--no-prefix-caching",
      negatable = false,
      description = "do not reuse the KV blocks of shared prompt prefixes")
  boolean noPrefixCaching;

  @Option(
      names = "--preemption-mode",
      defaultValue = "recompute",
      description =
          "recompute or swap: what happens to a sequence evicted for lack of KV blocks (default: ${DEFAULT-VALUE})")
  String preemptionMode;

  @Option(
      names = "--no-batch-invariance",
      negatable = false,
      hidden = true,
      description =
          "skip the padding that makes logits independent of batch composition (to measure its cost; "
              + "outputs may then change with preemption or batching)")
  boolean noBatchInvariance;

  @Option(
      names = "--no-layer-scripts",
      negatable = false,
      hidden = true,
      description =
          "run every layer op by op rather than as one TorchScript call per block (to measure what the "
              + "scripts give; outputs are the same)")
  boolean noLayerScripts;

  @Option(
      names = "--dtype",
      defaultValue = "auto",
      description =
          "auto (the checkpoint's torch_dtype), float32, float16 or bfloat16: what weights are stored and "
              + "dense products computed in (default: ${DEFAULT-VALUE})")
  String dtype;

  @Option(
      names = "--kv-cache-dtype",
      defaultValue = "auto",
      description =
          "auto (the model's dtype), float32, float16 or bfloat16: what the KV cache stores "
              + "(default: ${DEFAULT-VALUE})")
  String kvCacheDtype;

  @Option(
      names = "--swap-space-gib",
      defaultValue = "4",
      description =
          "host memory for swapped-out KV blocks with --preemption-mode swap, in GiB (default: ${DEFAULT-VALUE})")
  double swapSpaceGib;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description =
          "PyTorch intra-op threads per engine (processor); 0 keeps PyTorch's default, one per core. "
              + "N processors on C cores share them with C / N (default: ${DEFAULT-VALUE})")
  int threads;

  /** PyTorch intra-op threads per engine; 0 for PyTorch's default. */
  public int threads() {
    if (threads < 0) {
      throw new IllegalArgumentException(
          "--threads must be 0 (PyTorch's default) or more, got " + threads);
    }
    return threads;
  }

  /**
   * The engine configuration for a model, with the dtypes resolved (notices printed once to stderr)
   * and the pool sized from the memory plan in the KV dtype if needed.
   */
  public EngineConfig toConfig(ModelSpec spec, KvLayout layout) {
    DtypeChoice dtypes = dtypes(spec);
    PreemptionMode mode =
        switch (preemptionMode) {
          case "recompute" -> PreemptionMode.RECOMPUTE;
          case "swap" -> PreemptionMode.SWAP;
          default ->
              throw new IllegalArgumentException(
                  "--preemption-mode must be recompute or swap, got " + preemptionMode);
        };
    int blocks = kvBlocks != null ? kvBlocks : blocksForBudget(spec, dtypes);
    long swapBytes = mode == PreemptionMode.SWAP ? (long) (swapSpaceGib * (1L << 30)) : 0;
    return new EngineConfig(
        device,
        blockSize,
        blocks,
        maxNumSeqs,
        maxNumBatchedTokens,
        !noPrefixCaching && layout == KvLayout.PAGED,
        mode,
        swapBytes,
        layout,
        !noBatchInvariance,
        !noLayerScripts,
        dtypes.weights(),
        dtypes.kv());
  }

  private DtypeChoice resolved;

  /**
   * {@code --dtype} and {@code --kv-cache-dtype} for this model on {@code --device}; notices go to
   * stderr once.
   */
  public DtypeChoice dtypes(ModelSpec spec) {
    if (resolved == null) {
      resolved = DtypeChoice.resolve(dtype, kvCacheDtype, spec, device);
      resolved.notices().forEach(n -> System.err.println("pagedstream: " + n));
    }
    return resolved;
  }

  /** Pool size for {@code --kv-cache-gib}: the memory plan's blocks of K and V in the KV dtype. */
  private int blocksForBudget(ModelSpec spec, DtypeChoice dtypes) {
    if (!(kvCacheGib > 0) || Double.isInfinite(kvCacheGib)) {
      throw new IllegalArgumentException(
          "--kv-cache-gib must be a positive number, got " + kvCacheGib);
    }
    MemoryPlan plan =
        MemoryPlan.of(spec, dtypes.weights()).withKvDtype(dtypes.kv()).withBlockSize(blockSize);
    long n = plan.kvBlocksWithin(Math.round(kvCacheGib * GpuBudget.GIB));
    if (n < 1) {
      throw new IllegalArgumentException(
          "--kv-cache-gib "
              + kvCacheGib
              + " holds no KV block of "
              + plan.kvBytesPerBlock()
              + " bytes; raise it or lower --block-size");
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }
}

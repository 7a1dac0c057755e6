package io.pagedstream.core.memory;

import io.pagedstream.core.model.ModelSpec;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How much memory a model needs to serve a workload, and how much KV cache a GPU has left for it.
 * See the package documentation for the model and its sources.
 *
 * <p>Byte counts without "PerGpu" are for the whole model (what one GPU would hold at tensor
 * parallel size 1); "PerGpu" figures are one GPU's share at {@link #tensorParallel()} GPUs. KV
 * blocks are counted per GPU: with tensor parallelism every GPU holds its heads' slice of every
 * block, so all GPUs have the same number of blocks.
 *
 * @param weightDtype how weights are stored
 * @param kvDtype how K and V are stored, independently of the weights
 * @param blockSize tokens per KV block
 * @param tensorParallel GPUs the weights and KV heads are split across (see {@link TensorParallel})
 */
public record MemoryPlan(
    ModelSpec spec,
    Dtype weightDtype,
    Dtype kvDtype,
    int blockSize,
    int tensorParallel,
    Workload workload) {

  /**
   * Tokens computed per step unless configured, the engine's and so the plan's: vLLM's default for
   * online serving. On the CPU the engine was tuned on, 2,048 rather than 4,096 gave 7-8% more
   * batch-64 throughput (smollm-135m, bfloat16; 413/403/419 vs 389/377/374 tok/s, alternating runs)
   * and a 50-100 MB lower peak: a step's intermediates are half as large.
   */
  public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;

  /** The {@code plan} command's defaults: 10 sequences of 2000 tokens, the default step size. */
  public static final Workload DEFAULT_WORKLOAD =
      new Workload(2000, 10, DEFAULT_MAX_NUM_BATCHED_TOKENS);

  public static final int DEFAULT_BLOCK_SIZE = 16;

  public MemoryPlan {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(weightDtype, "weightDtype");
    Objects.requireNonNull(kvDtype, "kvDtype");
    Objects.requireNonNull(workload, "workload");
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
    }
    TensorParallel.of(spec, tensorParallel);
  }

  /**
   * A plan with weights in {@code weightDtype}, the KV cache in its compute dtype, the default
   * block size and workload, on one GPU.
   */
  public static MemoryPlan of(ModelSpec spec, Dtype weightDtype) {
    return new MemoryPlan(
        spec, weightDtype, weightDtype.computeDtype(), DEFAULT_BLOCK_SIZE, 1, DEFAULT_WORKLOAD);
  }

  public MemoryPlan withKvDtype(Dtype d) {
    return new MemoryPlan(spec, weightDtype, d, blockSize, tensorParallel, workload);
  }

  public MemoryPlan withBlockSize(int tokens) {
    return new MemoryPlan(spec, weightDtype, kvDtype, tokens, tensorParallel, workload);
  }

  public MemoryPlan withTensorParallel(int gpus) {
    return new MemoryPlan(spec, weightDtype, kvDtype, blockSize, gpus, workload);
  }

  public MemoryPlan withWorkload(Workload w) {
    return new MemoryPlan(spec, weightDtype, kvDtype, blockSize, tensorParallel, w);
  }

  public TensorParallel split() {
    return TensorParallel.of(spec, tensorParallel);
  }

  public ParameterCount parameters() {
    return ParameterCount.of(spec);
  }

  /** Parameters x weight dtype bytes (int4: half a byte each, rounded up once). */
  public long weightBytes() {
    return weightDtype.bytesFor(parameters().total());
  }

  public long weightBytesPerGpu() {
    return weightDtype.bytesFor(split().parametersPerGpu(parameters(), spec));
  }

  /** K plus V for one token over all layers: 2 x layers x kv_heads x head_dim x KV dtype bytes. */
  public long kvBytesPerToken() {
    return kvDtype.bytesFor(kvElementsPerToken(spec.numKvHeads()));
  }

  public long kvBytesPerTokenPerGpu() {
    return kvDtype.bytesFor(kvElementsPerToken(split().kvHeadsPerGpu()));
  }

  public long kvBytesPerBlock() {
    return kvDtype.bytesFor(kvElementsPerToken(spec.numKvHeads()) * blockSize);
  }

  public long kvBytesPerBlockPerGpu() {
    return kvDtype.bytesFor(kvElementsPerToken(split().kvHeadsPerGpu()) * blockSize);
  }

  /**
   * Blocks one sequence of the workload's maximum length occupies: ceil(max_seq_len / block_size).
   */
  public long blocksPerSequence() {
    return TensorParallel.ceilDiv(workload.maxSeqLen(), blockSize);
  }

  /**
   * concurrency x max_seq_len x kv bytes per token: the workload's KV cache, whole model,
   * unrounded.
   */
  public long kvBytesForConcurrency() {
    return Math.multiplyExact(
        (long) workload.concurrency() * workload.maxSeqLen(), kvBytesPerToken());
  }

  /** Activation, logits and fixed overhead on each GPU. */
  public ActivationEstimate overhead() {
    return ActivationEstimate.of(spec, weightDtype.computeDtype(), workload, split());
  }

  /** One GPU's need for the workload: its weights, overhead, and KV share of every sequence. */
  public long totalBytesPerGpu() {
    long kv =
        Math.multiplyExact(
            (long) workload.concurrency() * workload.maxSeqLen(), kvBytesPerTokenPerGpu());
    return weightBytesPerGpu() + overhead().total() + kv;
  }

  /**
   * Memory the workload needs over all GPUs of the group. At tensor parallel size 1 this is exactly
   * weights + overhead + {@link #kvBytesForConcurrency()}; above it, overhead is paid on every GPU.
   */
  public long totalBytes() {
    return Math.multiplyExact(totalBytesPerGpu(), tensorParallel);
  }

  /** KV blocks that fit {@code bytes} of memory on each GPU (the engine's pool for a KV budget). */
  public long kvBlocksWithin(long bytes) {
    return Math.max(0, bytes) / kvBytesPerBlockPerGpu();
  }

  /**
   * Bytes of each GPU left for the KV cache after weights and overhead; negative when they do not
   * fit.
   */
  public long kvBytesAvailable(GpuBudget gpu) {
    return gpu.usableBytes() - weightBytesPerGpu() - overhead().total();
  }

  /** KV blocks left on each GPU after weights and overhead, as vLLM would allocate them. */
  public long kvBlocksAvailable(GpuBudget gpu) {
    return kvBlocksWithin(kvBytesAvailable(gpu));
  }

  /** Sequences of the workload's maximum length that can hold their KV cache at once. */
  public long maxConcurrentSequences(GpuBudget gpu) {
    return kvBlocksAvailable(gpu) / blocksPerSequence();
  }

  /**
   * Whether this group of GPUs holds the whole workload: every sequence's blocks, at full length.
   */
  public boolean fits(GpuBudget gpu) {
    return maxConcurrentSequences(gpu) >= workload.concurrency();
  }

  /**
   * The smallest tensor-parallel group of such GPUs that fits the workload, trying only sizes
   * tensor parallelism allows for this model ({@link TensorParallel#isValid}); empty when even
   * splitting every attention head onto its own GPU does not fit. Independent of this plan's own
   * tensor parallel size.
   */
  public OptionalInt gpusNeeded(GpuBudget gpu) {
    for (int n = 1; n <= spec.numHeads(); n++) {
      if (TensorParallel.isValid(spec, n) && withTensorParallel(n).fits(gpu)) {
        return OptionalInt.of(n);
      }
    }
    return OptionalInt.empty();
  }

  private long kvElementsPerToken(int kvHeads) {
    return 2L * spec.numLayers() * kvHeads * spec.headDim();
  }
}

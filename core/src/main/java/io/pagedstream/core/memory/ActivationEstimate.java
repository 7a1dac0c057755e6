package io.pagedstream.core.memory;

import io.pagedstream.core.model.ModelSpec;

/**
 * Memory one GPU needs beyond weights and KV cache while running a step, estimated by formula where
 * vLLM measures it.
 *
 * <p><b>Source.</b> vLLM sizes its KV cache by profiling ({@code
 * Worker.determine_num_available_blocks} in V0, {@code determine_available_memory} in V1; logged as
 * {@code MemoryProfilingResult}): it runs one dummy forward pass over {@code
 * max_num_batched_tokens} tokens plus a sampler pass, then gives the KV cache {@code
 * gpu_memory_utilization x total memory - weights - torch peak increase (activations) - non-torch
 * memory}. We cannot profile a GPU we do not have, so each term is estimated from the tensors
 * vLLM's Llama layer keeps alive at once during inference (no autograd, one layer at a time):
 *
 * <ul>
 *   <li><b>activations</b> = {@code T x max(attn, mlp) x b}, with T = max_num_batched_tokens, b the
 *       compute dtype's bytes ({@link Dtype#computeDtype()}), and per token
 *       <ul>
 *         <li>attn = 2·hidden (residual, normed input) + q/tp + 2·kv/tp (fused {@code qkv_proj}
 *             output) + q/tp (attention output); q = heads x head_dim, kv/tp = the GPU's KV heads x
 *             head_dim;
 *         <li>mlp = 2·hidden + 2·intermediate/tp (fused {@code gate_up_proj} output) +
 *             intermediate/tp ({@code SiluAndMul} output).
 *       </ul>
 *       Attention scores are not counted: FlashAttention / PagedAttention kernels never materialize
 *       the T x context score matrix.
 *   <li><b>logits</b> = {@code min(concurrency, T) x vocab x 4 B x 2}: one row per sequence sampled
 *       this step, as float32 logits plus the sampler's float32 probabilities (vLLM upcasts before
 *       sampling). The full vocabulary is counted on every GPU, as the gathered logits are.
 *   <li><b>fixed</b> = 1 GiB for what vLLM reports as non-torch memory: the CUDA context (a few
 *       hundred MiB depending on GPU and driver), cuBLAS and NCCL workspaces and allocator slack.
 *       This figure is our own round, conservative assumption, not a vLLM constant.
 * </ul>
 *
 * Not included: CUDA graph capture memory (run vLLM with {@code enforce_eager} to compare), and
 * weight-only quantization scales.
 */
public record ActivationEstimate(long activationBytes, long logitsBytes, long fixedBytes) {

  public static final long FIXED_OVERHEAD_BYTES = GpuBudget.GIB;

  /** The formula in one line, for plan output. */
  public static final String FORMULA =
      "per GPU: activations = max_num_batched_tokens x max(2*hidden + 2*q_dim/tp"
          + " + 2*kv_dim/tp, 2*hidden + 3*intermediate/tp) x compute dtype bytes"
          + "; logits = min(concurrency, max_num_batched_tokens) x vocab x 4 B x 2 (float32 logits + probabilities)"
          + "; fixed = 1 GiB (CUDA context, cuBLAS/NCCL workspaces, allocator slack)";

  /** Where the formula comes from, in one line, for plan output. */
  public static final String SOURCE =
      "vLLM's KV sizing (Worker.determine_num_available_blocks: KV = utilization"
          + " x GPU memory - weights - peak activations of a profiled forward pass over max_num_batched_tokens"
          + " - non-torch memory), with the live tensors of vLLM's Llama layer (fused qkv_proj; gate_up_proj +"
          + " SiluAndMul) and its float32 sampler; the 1 GiB fixed reserve is our own conservative assumption";

  public ActivationEstimate {
    if (activationBytes < 0 || logitsBytes < 0 || fixedBytes < 0) {
      throw new IllegalArgumentException("memory estimates cannot be negative");
    }
  }

  public static ActivationEstimate of(
      ModelSpec spec, Dtype compute, Workload work, TensorParallel tp) {
    long hidden = spec.hiddenSize();
    long q = (long) spec.numHeads() / tp.size() * spec.headDim();
    long kv = (long) tp.kvHeadsPerGpu() * spec.headDim();
    long inter = spec.intermediateSize() / tp.size();
    long attention = 2 * hidden + (q + 2 * kv) + q;
    long mlp = 2 * hidden + 2 * inter + inter;
    long tokens = work.maxNumBatchedTokens();
    long activations = compute.bytesFor(Math.multiplyExact(tokens, Math.max(attention, mlp)));
    long sampled = Math.min(work.concurrency(), tokens);
    long logits = 2 * sampled * spec.vocabSize() * Float.BYTES;
    return new ActivationEstimate(activations, logits, FIXED_OVERHEAD_BYTES);
  }

  public long total() {
    return activationBytes + logitsBytes + fixedBytes;
  }
}

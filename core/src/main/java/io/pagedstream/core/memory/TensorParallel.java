package io.pagedstream.core.memory;

import io.pagedstream.core.model.ModelSpec;
import java.util.Optional;

/**
 * How a model splits across {@code size} GPUs with Megatron-style tensor parallelism, following
 * vLLM's rules: attention heads and the MLP's intermediate columns are divided evenly (so the size
 * must divide both); KV heads are divided when the size divides them, and when the size is a
 * multiple of the KV head count each GPU holds one KV head, replicated {@code size / kvHeads} times
 * (vLLM's {@code QKVParallelLinear}). Any other size is refused.
 *
 * @param size GPUs in the group
 * @param kvHeadsPerGpu KV heads each GPU stores K/V for (and holds k_proj/v_proj rows of)
 */
public record TensorParallel(int size, int kvHeadsPerGpu) {

  public TensorParallel {
    if (size < 1) {
      throw new IllegalArgumentException("tensor parallel size must be at least 1, got " + size);
    }
    if (kvHeadsPerGpu < 1) {
      throw new IllegalArgumentException(
          "each GPU must hold at least one KV head, got " + kvHeadsPerGpu);
    }
  }

  /**
   * The split of {@code spec} over {@code size} GPUs, or a one-line reason it cannot be split so.
   */
  public static TensorParallel of(ModelSpec spec, int size) {
    problem(spec, size)
        .ifPresent(
            p -> {
              throw new IllegalArgumentException(p);
            });
    int kv = spec.numKvHeads();
    return new TensorParallel(size, kv % size == 0 ? kv / size : 1);
  }

  public static boolean isValid(ModelSpec spec, int size) {
    return problem(spec, size).isEmpty();
  }

  private static Optional<String> problem(ModelSpec spec, int size) {
    if (size < 1) {
      return Optional.of("tensor parallel size must be at least 1, got " + size);
    }
    if (spec.numHeads() % size != 0) {
      return Optional.of(
          "tensor parallel size "
              + size
              + " does not divide num_attention_heads ("
              + spec.numHeads()
              + "): each GPU must hold whole attention heads");
    }
    int kv = spec.numKvHeads();
    if (kv % size != 0 && size % kv != 0) {
      return Optional.of(
          "tensor parallel size "
              + size
              + " and num_key_value_heads ("
              + kv
              + ") do not divide one another: KV heads can be split evenly or replicated, not cut");
    }
    if (spec.intermediateSize() % size != 0) {
      return Optional.of(
          "tensor parallel size "
              + size
              + " does not divide intermediate_size ("
              + spec.intermediateSize()
              + "): each GPU must hold an equal share of the MLP");
    }
    return Optional.empty();
  }

  /**
   * Parameters on each GPU: everything sharded evenly except k_proj/v_proj, of which each GPU holds
   * its own KV heads' rows (several GPUs hold the same rows once KV heads are replicated). The
   * norms, really replicated, are counted as sharded: under 0.01% of any model here.
   */
  public long parametersPerGpu(ParameterCount p, ModelSpec spec) {
    long sharded = p.total() - p.keyValue();
    return ceilDiv(sharded, size) + p.keyValue() / spec.numKvHeads() * kvHeadsPerGpu;
  }

  static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}

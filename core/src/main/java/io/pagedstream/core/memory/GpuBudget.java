package io.pagedstream.core.memory;

/**
 * One GPU's memory and the fraction of it the engine may use (vLLM's {@code
 * gpu_memory_utilization}): weights, activations, overhead and the KV cache together must fit in
 * {@link #usableBytes()}.
 */
public record GpuBudget(long memoryBytes, double utilization) {

  public static final long GIB = 1L << 30;

  public GpuBudget {
    if (memoryBytes < 1) {
      throw new IllegalArgumentException(
          "GPU memory must be positive, got " + memoryBytes + " bytes");
    }
    if (!(utilization > 0 && utilization <= 1)) {
      throw new IllegalArgumentException(
          "GPU memory utilization must be in (0, 1], got " + utilization);
    }
  }

  public static GpuBudget ofGib(double gib, double utilization) {
    if (!(gib > 0) || Double.isInfinite(gib)) {
      throw new IllegalArgumentException("GPU memory must be a positive number of GiB, got " + gib);
    }
    return new GpuBudget(Math.round(gib * GIB), utilization);
  }

  public long usableBytes() {
    return (long) Math.floor(memoryBytes * utilization);
  }
}

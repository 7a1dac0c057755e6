package io.pagedstream.batcher;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.GpuBudget;
import io.pagedstream.core.memory.MemoryPlan;
import java.util.Objects;

/**
 * How many KV-cache blocks one batch may need at most: the processor's pool, given either as a
 * block count (the processor's {@code --kv-blocks}) or as memory (its {@code --kv-cache-gib}),
 * which {@link MemoryPlan#kvBlocksWithin} turns into blocks exactly as the engine does.
 */
public sealed interface KvBudget {

  /** The budget in blocks of {@code plan.blockSize()} tokens for the plan's model. */
  long blocksIn(MemoryPlan plan);

  /** The dtype the processor keeps K and V in; only matters for a budget given as memory. */
  Dtype kvDtype();

  static KvBudget blocks(long blocks) {
    return new Blocks(blocks);
  }

  /** {@code gib} GiB of KV cache in float32, the engine's own KV dtype. */
  static KvBudget gib(double gib) {
    if (!(gib > 0) || Double.isInfinite(gib)) {
      throw new IllegalArgumentException(
          "KV cache memory must be a positive number of GiB, got " + gib);
    }
    return new Memory(Math.round(gib * GpuBudget.GIB), Dtype.FLOAT32);
  }

  /** A fixed number of blocks, as the processor's {@code --kv-blocks}. */
  record Blocks(long blocks) implements KvBudget {
    public Blocks {
      if (blocks < 1) {
        throw new IllegalArgumentException("KV budget must be at least 1 block, got " + blocks);
      }
    }

    @Override
    public long blocksIn(MemoryPlan plan) {
      return blocks;
    }

    @Override
    public Dtype kvDtype() {
      return Dtype.FLOAT32;
    }
  }

  /** Bytes of KV cache on the processor's device, holding K and V in {@code kvDtype}. */
  record Memory(long bytes, Dtype kvDtype) implements KvBudget {
    public Memory {
      Objects.requireNonNull(kvDtype, "kvDtype");
      if (bytes < 1) {
        throw new IllegalArgumentException(
            "KV cache memory must be positive, got " + bytes + " bytes");
      }
    }

    @Override
    public long blocksIn(MemoryPlan plan) {
      return plan.kvBlocksWithin(bytes);
    }
  }
}

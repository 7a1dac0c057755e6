package io.pagedstream.batcher;

import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.memory.MemoryPlan;
import io.pagedstream.core.memory.Workload;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.SamplingParams;

/**
 * KV-cache blocks per request and per batch, from the same {@link MemoryPlan} the processor sizes
 * its pool with, so that a batch the batcher packs is a batch the processor can hold.
 *
 * <p>A request is charged {@code ceil((prompt + n x max_tokens) / block_size)} blocks: its size if
 * every one of its n samples runs to max_tokens, the prompt's blocks counted once since the samples
 * share them. The engine stores one slot fewer per sample (the last token's K and V are never
 * written) but may copy the prompt's last, partly filled block once per sample, so the estimate is
 * at most about one block per sample away from what the engine holds.
 */
public final class KvEstimator {

  private final MemoryPlan plan;
  private final int budgetBlocks;

  private KvEstimator(MemoryPlan plan, int budgetBlocks) {
    this.plan = plan;
    this.budgetBlocks = budgetBlocks;
  }

  /**
   * @throws IllegalArgumentException when the budget holds no block at all
   */
  public static KvEstimator of(ModelSpec spec, int blockSize, KvBudget budget) {
    // weights dtype does not enter the KV numbers; the KV dtype is the processor's
    MemoryPlan plan =
        MemoryPlan.of(spec, Dtype.FLOAT32).withKvDtype(budget.kvDtype()).withBlockSize(blockSize);
    long blocks = budget.blocksIn(plan);
    if (blocks < 1) {
      throw new IllegalArgumentException(
          "the KV budget "
              + budget
              + " holds no block of "
              + plan.kvBytesPerBlock()
              + " bytes ("
              + blockSize
              + " tokens of "
              + spec.modelType()
              + " in "
              + budget.kvDtype().label()
              + "); raise it or lower the block size");
    }
    return new KvEstimator(plan, (int) Math.min(blocks, Integer.MAX_VALUE));
  }

  /**
   * Blocks a sequence of {@code tokens} tokens holds: the plan's blocks per sequence of that
   * length.
   */
  public int blocksFor(int tokens) {
    if (tokens < 1) {
      throw new IllegalArgumentException("a sequence has at least 1 token, got " + tokens);
    }
    Workload one = new Workload(tokens, 1, plan.workload().maxNumBatchedTokens());
    return Math.toIntExact(plan.withWorkload(one).blocksPerSequence());
  }

  /** Blocks a request holds at most: its prompt once, and max_tokens for each of its n samples. */
  public int blocksFor(int promptTokens, SamplingParams params) {
    return blocksFor(promptTokens + params.maxNewTokensAllSamples());
  }

  /** KV blocks one batch may need at most: the processor's whole pool. */
  public int budgetBlocks() {
    return budgetBlocks;
  }

  public int blockSize() {
    return plan.blockSize();
  }
}

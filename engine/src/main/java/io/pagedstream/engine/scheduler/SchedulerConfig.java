package io.pagedstream.engine.scheduler;

/**
 * Scheduling limits and policies.
 *
 * @param maxNumSeqs sequences running at once
 * @param maxNumBatchedTokens tokens computed in one step; longer prompts are prefilled in chunks
 * @param preemption what to do with a sequence evicted for lack of KV blocks
 * @param layout PAGED grows block tables on demand; CONTIGUOUS reserves prompt + max_tokens slots
 *     at admission, the pre-paging baseline the vLLM paper measures against
 */
public record SchedulerConfig(
    int maxNumSeqs, int maxNumBatchedTokens, PreemptionMode preemption, KvLayout layout) {

  public enum PreemptionMode {
    RECOMPUTE,
    SWAP
  }

  public enum KvLayout {
    PAGED,
    CONTIGUOUS
  }

  public SchedulerConfig {
    if (maxNumSeqs < 1) {
      throw new IllegalArgumentException("max-num-seqs must be at least 1, got " + maxNumSeqs);
    }
    if (maxNumBatchedTokens < 1) {
      throw new IllegalArgumentException(
          "max-num-batched-tokens must be at least 1, got " + maxNumBatchedTokens);
    }
  }
}

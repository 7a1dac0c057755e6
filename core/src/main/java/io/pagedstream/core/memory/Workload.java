package io.pagedstream.core.memory;

/**
 * What the plan is for: {@code concurrency} sequences of up to {@code maxSeqLen} tokens each
 * (prompt plus output), computed {@code maxNumBatchedTokens} tokens per engine step.
 */
public record Workload(int maxSeqLen, int concurrency, int maxNumBatchedTokens) {

  public Workload {
    positive(maxSeqLen, "max sequence length");
    positive(concurrency, "concurrency");
    positive(maxNumBatchedTokens, "max batched tokens per step");
  }

  private static void positive(int v, String what) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, got " + v);
    }
  }
}

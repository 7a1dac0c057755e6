package io.pagedstream.engine;

/**
 * Counters over an engine's life. The KV waste fraction is the mean over steps of (slots reserved
 * but holding no token) / (slots reserved), where reserved means held by a block that some sequence
 * references: the figure the vLLM paper reports as KV cache waste.
 */
public final class EngineStats {

  long steps;
  long promptTokens;
  long computedTokens;
  long outputTokens;
  long recomputedTokens;
  long prefixCacheHitTokens;
  long preemptions;
  long swapOuts;
  long swapIns;
  long finished;
  long errors;
  int peakBlocksUsed;
  int peakRunning;
  double wasteSum;
  long wasteSteps;
  long attentionPairs;
  double forwardSeconds;

  /** Query-key pairs attended to, summed over computed tokens (for FLOP estimates). */
  public long attentionPairs() {
    return attentionPairs;
  }

  /** Wall time spent in forward passes. */
  public double forwardSeconds() {
    return forwardSeconds;
  }

  public long steps() {
    return steps;
  }

  /** Prompt tokens of every request accepted. */
  public long promptTokens() {
    return promptTokens;
  }

  /** Tokens run through the model, including recomputation. */
  public long computedTokens() {
    return computedTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  public long recomputedTokens() {
    return recomputedTokens;
  }

  public long prefixCacheHitTokens() {
    return prefixCacheHitTokens;
  }

  public long preemptions() {
    return preemptions;
  }

  public long swapOuts() {
    return swapOuts;
  }

  public long swapIns() {
    return swapIns;
  }

  public long finished() {
    return finished;
  }

  public long errors() {
    return errors;
  }

  public int peakBlocksUsed() {
    return peakBlocksUsed;
  }

  public int peakRunning() {
    return peakRunning;
  }

  public double kvWasteFraction() {
    return wasteSteps == 0 ? 0 : wasteSum / wasteSteps;
  }
}

package io.pagedstream.processor;

/**
 * When a processor takes its next batch: while the engine's waiting queue holds less than a second
 * KV pool's worth of work, in sequences ({@code max-num-seqs}) and in estimated KV blocks. The
 * engine then never finishes a sequence without a waiting one to admit in its place, however fast
 * its steps are, and memory stays bounded: the running pool, at most one more pool waiting, and the
 * batch just taken. Decided by KV budget, not by timing, so a faster engine needs no retuning.
 */
record Prefetch(int poolBlocks, int maxNumSeqs) {

  Prefetch {
    if (poolBlocks < 1 || maxNumSeqs < 1) {
      throw new IllegalArgumentException("pool blocks and max-num-seqs must be at least 1");
    }
  }

  /**
   * @param waitingRequests sequences the engine has not admitted (waiting or swapped out)
   * @param heldRequests sequences in the engine, running or waiting
   * @param heldBlocks the batcher's KV estimates of those sequences, summed
   */
  boolean wantsMore(int waitingRequests, int heldRequests, long heldBlocks) {
    if (waitingRequests >= maxNumSeqs) {
      return false;
    }
    // the engine does not say which sequences wait; their share of the held estimate will do
    long waitingBlocks = heldRequests == 0 ? 0 : heldBlocks * waitingRequests / heldRequests;
    return waitingBlocks < poolBlocks;
  }
}

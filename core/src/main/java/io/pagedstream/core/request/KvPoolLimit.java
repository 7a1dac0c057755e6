package io.pagedstream.core.request;

/**
 * The KV pool a request must fit whole, even with the pool to itself: the batcher's estimate of the
 * processors' pool, or the engine's own pool.
 *
 * @param blocks blocks in the pool
 * @param blockSize tokens per block
 * @param need the blocks a request holds at most. The batcher charges {@code ceil((prompt + n x
 *     max_tokens) / block_size)}, since a batch must hold all n samples at once; the engine needs
 *     only one sample to fit (prompt + max_tokens, one slot fewer), since it preempts and resumes a
 *     group's samples one by one.
 */
public record KvPoolLimit(int blocks, int blockSize, BlocksNeeded need) {

  /** Blocks a request of {@code promptTokens} sampled with {@code params} holds at most. */
  @FunctionalInterface
  public interface BlocksNeeded {
    long blocks(int promptTokens, SamplingParams params);
  }

  public KvPoolLimit {
    if (blocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException(
          "a KV pool has at least one block of at least one token, got "
              + blocks
              + " blocks of "
              + blockSize);
    }
    java.util.Objects.requireNonNull(need, "need");
  }
}

package io.pagedstream.core.request;

/**
 * The KV pool a request must fit whole, even with the pool to itself: the batcher's estimate of
 * the processors' pool, or the engine's own pool.
 *
 * @param blocks blocks in the pool
 * @param blockSize tokens per block
 * @param need the blocks a request of a given size holds at most (the batcher charges
 *     {@code ceil((prompt + max_tokens) / block_size)}, the engine one slot fewer)
 */
public record KvPoolLimit(int blocks, int blockSize, BlocksNeeded need) {

  /** Blocks a request of {@code promptTokens} + {@code maxTokens} holds at most. */
  @FunctionalInterface
  public interface BlocksNeeded {
    long blocks(int promptTokens, int maxTokens);
  }

  public KvPoolLimit {
    if (blocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException("a KV pool has at least one block of at least one token, got "
          + blocks + " blocks of " + blockSize);
    }
    java.util.Objects.requireNonNull(need, "need");
  }
}

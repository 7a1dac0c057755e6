package io.pagedstream.batcher;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Prefix-aware routing: requests whose prompts start with the same full KV blocks go to the same
 * {@code llm.batches} partition, so one processor's prefix cache serves them all instead of every
 * processor computing the shared prefix again (what SGLang's and llm-d's prefix-aware schedulers do
 * within one engine, done here across a consumer group).
 *
 * <p>The key is a hash of the token ids of the prompt's first {@code blocks} full blocks (fewer if
 * the prompt has fewer). A block only counts if a token follows it: the engine always computes a
 * prompt's last token, so a block ending at the prompt's end is never served from the cache. A
 * prompt with no such block is <em>plain</em>: it has no affinity and goes wherever it packs best,
 * its batch spread by batch id as before.
 *
 * <p>Hot prefixes stay on one partition: a job whose every prompt shares its first block runs on
 * one processor. That is the trade every prefix-affinity scheduler makes; {@code blocks} 0 turns
 * routing off.
 *
 * @param blocks leading full blocks hashed into the key; 0 turns prefix routing off
 * @param blockSize tokens per KV block, the processors' {@code --block-size}
 * @param routes how many routes keys are spread over: the partitions of {@code llm.batches}
 */
public record PrefixRoute(int blocks, int blockSize, int routes) {

  /** A route when prefix routing is off or not yet known: every request plain. */
  public static final int NONE = -1;

  public PrefixRoute {
    if (blocks < 0 || blockSize < 1 || routes < 1) {
      throw new IllegalArgumentException(
          "prefix blocks must be >= 0, block size and routes >= 1, got "
              + blocks
              + ", "
              + blockSize
              + ", "
              + routes);
    }
  }

  public static PrefixRoute off(int blockSize) {
    return new PrefixRoute(0, blockSize, 1);
  }

  /** The prompt's prefix key, or empty for a plain request. */
  public OptionalLong key(List<Integer> promptTokenIds) {
    int full = Math.min(blocks, (promptTokenIds.size() - 1) / blockSize);
    if (full < 1) {
      return OptionalLong.empty();
    }
    // FNV-1a over the ids, then a finalizer so that the low bits used for the route are mixed
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < full * blockSize; i++) {
      h = (h ^ promptTokenIds.get(i)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return OptionalLong.of(h);
  }

  /** The route of a prompt among {@code n} partitions, or empty for a plain request. */
  public OptionalInt route(List<Integer> promptTokenIds, int n) {
    OptionalLong key = key(promptTokenIds);
    return key.isPresent()
        ? OptionalInt.of((int) Math.floorMod(key.getAsLong(), (long) n))
        : OptionalInt.empty();
  }

  /** The route of a prompt among this batcher's {@link #routes}, or {@link #NONE}. */
  public int route(List<Integer> promptTokenIds) {
    return route(promptTokenIds, routes).orElse(NONE);
  }
}

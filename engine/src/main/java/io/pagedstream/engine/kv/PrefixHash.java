package io.pagedstream.engine.kv;

/**
 * Content address of a full KV block: a 64-bit hash chained over the parent block's hash and this
 * block's token ids, so equal hashes mean equal prefixes (the pool also compares the tokens).
 */
public final class PrefixHash {

  /** The parent hash of a sequence's first block. */
  public static final long ROOT = 0x9E3779B97F4A7C15L;

  private PrefixHash() {}

  public static long of(long parent, int[] tokens, int from, int to) {
    long h = mix(parent ^ (to - from));
    for (int i = from; i < to; i++) {
      h = mix(h ^ (tokens[i] & 0xffffffffL) * 0xBF58476D1CE4E5B9L);
    }
    return h;
  }

  /** SplitMix64's finalizer: every input bit affects every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

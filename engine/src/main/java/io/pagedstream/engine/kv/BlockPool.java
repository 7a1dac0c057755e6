package io.pagedstream.engine.kv;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The physical KV blocks: a free list, reference counts, and the prefix cache's content index.
 *
 * <p>A block is in exactly one of three states: free (on the free list), in use (reference count
 * above zero), or cached-idle (count zero, but holding a full block of known content that a later
 * sequence may reuse). Cached-idle blocks are evicted least recently used when the free list runs
 * dry, which is why {@link #available()} counts them as available.
 */
public final class BlockPool {

  private final int numBlocks;
  private final int[] refCount;
  private final boolean[] cached;
  private final long[] hashOf;
  private final int[][] tokensOf;
  private final ArrayDeque<Integer> free = new ArrayDeque<>();
  private final LinkedHashSet<Integer> idle = new LinkedHashSet<>();
  private final Map<Long, Integer> byHash = new HashMap<>();
  private int inUse;
  private long evictions;

  public BlockPool(int numBlocks) {
    if (numBlocks < 1) {
      throw new IllegalArgumentException("a KV pool needs at least one block, got " + numBlocks);
    }
    this.numBlocks = numBlocks;
    this.refCount = new int[numBlocks];
    this.cached = new boolean[numBlocks];
    this.hashOf = new long[numBlocks];
    this.tokensOf = new int[numBlocks][];
    for (int b = 0; b < numBlocks; b++) {
      free.add(b);
    }
  }

  public int numBlocks() {
    return numBlocks;
  }

  /** Blocks that {@link #allocate()} can hand out: free plus cached-idle (evictable). */
  public int available() {
    return free.size() + idle.size();
  }

  /** Blocks referenced by at least one sequence. */
  public int inUse() {
    return inUse;
  }

  public long evictions() {
    return evictions;
  }

  public int refCount(int block) {
    return refCount[block];
  }

  /** A block with reference count 1, taken from the free list or by evicting the LRU idle block. */
  public int allocate() {
    Integer b = free.poll();
    if (b == null) {
      Iterator<Integer> lru = idle.iterator();
      if (!lru.hasNext()) {
        throw new IllegalStateException(
            "KV block pool exhausted (" + numBlocks + " blocks in use)");
      }
      b = lru.next();
      lru.remove();
      uncache(b);
      evictions++;
    }
    refCount[b] = 1;
    inUse++;
    return b;
  }

  /** Takes one more reference to a block, reviving it if it was cached-idle. */
  public void retain(int block) {
    if (refCount[block] == 0) {
      if (!idle.remove(block)) {
        throw new IllegalStateException(
            "block " + block + " is free; only cached blocks can be revived");
      }
      inUse++;
    }
    refCount[block]++;
  }

  /**
   * Drops a reference; at zero the block becomes cached-idle if it holds known content, else free.
   */
  public void release(int block) {
    if (refCount[block] <= 0) {
      throw new IllegalStateException("block " + block + " released more often than it was taken");
    }
    if (--refCount[block] == 0) {
      inUse--;
      if (cached[block]) {
        idle.add(block);
      } else {
        free.add(block);
      }
    }
  }

  /**
   * Records that an in-use, full block holds {@code tokens} after the chain {@code hash}. If that
   * content is already cached in another block the existing entry is kept and false returned.
   */
  public boolean register(int block, long hash, int[] tokens) {
    if (refCount[block] == 0) {
      throw new IllegalStateException(
          "only in-use blocks can be registered, block " + block + " is not");
    }
    if (cached[block] || byHash.containsKey(hash)) {
      return false;
    }
    cached[block] = true;
    hashOf[block] = hash;
    tokensOf[block] = tokens.clone();
    byHash.put(hash, block);
    return true;
  }

  /** The cached block holding exactly {@code tokens} under chain hash {@code hash}, if any. */
  public OptionalInt lookup(long hash, int[] tokens) {
    Integer b = byHash.get(hash);
    if (b == null || !Arrays.equals(tokensOf[b], tokens)) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(b);
  }

  public boolean isCached(int block) {
    return cached[block];
  }

  private void uncache(int b) {
    byHash.remove(hashOf[b]);
    cached[b] = false;
    tokensOf[b] = null;
  }

  /** Checks the pool's invariants; used by tests after random operation sequences. */
  public void checkInvariants() {
    int used = 0;
    boolean[] seen = new boolean[numBlocks];
    for (int b : free) {
      if (seen[b] || refCount[b] != 0 || cached[b]) {
        throw new IllegalStateException(
            "free block " + b + " is also referenced, cached or listed twice");
      }
      seen[b] = true;
    }
    for (int b : idle) {
      if (seen[b] || refCount[b] != 0 || !cached[b]) {
        throw new IllegalStateException("idle block " + b + " is inconsistent");
      }
      seen[b] = true;
    }
    for (int b = 0; b < numBlocks; b++) {
      if (refCount[b] > 0) {
        used++;
        if (seen[b]) {
          throw new IllegalStateException("block " + b + " is in use and also free or idle");
        }
      } else if (!seen[b]) {
        throw new IllegalStateException(
            "block " + b + " leaked: unreferenced but neither free nor idle");
      }
      if (cached[b] && byHash.get(hashOf[b]) != b) {
        throw new IllegalStateException("block " + b + " is cached but not indexed");
      }
    }
    if (used != inUse) {
      throw new IllegalStateException(
          "in-use count " + inUse + " but " + used + " blocks referenced");
    }
  }
}

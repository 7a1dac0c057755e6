package io.pagedstream.engine.kv;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Gives sequences KV blocks from a {@link BlockPool}: grows block tables as tokens arrive, reuses
 * cached full blocks for a shared prompt prefix, registers newly filled blocks for reuse, and
 * releases a table's blocks when its sequence finishes or is preempted.
 *
 * <p>Only full blocks are ever shared, and a sequence only writes positions past its shared prefix,
 * so a block with more than one reference is never written.
 */
public final class KvCacheManager {

  private final BlockPool pool;
  private final int blockSize;
  private final boolean prefixCaching;

  public KvCacheManager(BlockPool pool, int blockSize, boolean prefixCaching) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
    }
    this.pool = pool;
    this.blockSize = blockSize;
    this.prefixCaching = prefixCaching;
  }

  public BlockPool pool() {
    return pool;
  }

  public int blockSize() {
    return blockSize;
  }

  public boolean prefixCaching() {
    return prefixCaching;
  }

  public int blocksFor(int slots) {
    return (slots + blockSize - 1) / blockSize;
  }

  /**
   * Points an empty table at cached blocks holding the longest cached full-block prefix of {@code
   * tokens[0, length)}, and returns how many tokens they cover. At least one token is always left
   * to compute, since the last one's logits are needed.
   */
  public int matchPrefix(BlockTable table, int[] tokens, int length) {
    if (table.size() != 0) {
      throw new IllegalStateException("prefix matching needs an empty block table");
    }
    if (!prefixCaching) {
      return 0;
    }
    int maxBlocks = (length - 1) / blockSize;
    for (int i = 0; i < maxBlocks; i++) {
      int from = i * blockSize;
      long hash = PrefixHash.of(table.parentHash(i), tokens, from, from + blockSize);
      OptionalInt hit = pool.lookup(hash, Arrays.copyOfRange(tokens, from, from + blockSize));
      if (hit.isEmpty()) {
        break;
      }
      pool.retain(hit.getAsInt());
      table.add(hit.getAsInt());
      table.addHash(hash);
    }
    return table.size() * blockSize;
  }

  /** Whether the table can grow to hold {@code slots} token positions. */
  public boolean canGrow(BlockTable table, int slots) {
    return blocksFor(slots) - table.size() <= pool.available();
  }

  /** Grows the table to hold {@code slots} token positions; check {@link #canGrow} first. */
  public void grow(BlockTable table, int slots) {
    int need = blocksFor(slots) - table.size();
    if (need > pool.available()) {
      throw new IllegalStateException(
          "need " + need + " KV blocks, " + pool.available() + " available");
    }
    for (int i = 0; i < need; i++) {
      table.add(pool.allocate());
    }
  }

  /** Blocks the table must gain to hold {@code slots} token positions. */
  public int blocksToGrow(BlockTable table, int slots) {
    return Math.max(0, blocksFor(slots) - table.size());
  }

  /** Points an empty table at every block of {@code from} (one more reference each). */
  public void share(BlockTable from, BlockTable to) {
    if (to.size() != 0) {
      throw new IllegalStateException("sharing needs an empty block table");
    }
    for (int i = 0; i < from.size(); i++) {
      pool.retain(from.get(i));
      to.add(from.get(i));
    }
    for (int i = 0; i < from.hashedBlocks(); i++) {
      to.addHash(from.parentHash(i + 1));
    }
  }

  /** How many of the table's blocks that positions {@code [start, end)} fall in are shared. */
  public int sharedBlocks(BlockTable table, int start, int end) {
    int shared = 0;
    for (int i = start / blockSize; i < table.size() && i * blockSize < end; i++) {
      shared += pool.refCount(table.get(i)) > 1 ? 1 : 0;
    }
    return shared;
  }

  /**
   * Gives the table its own copy of every shared block that positions {@code [start, end)} are
   * about to be written into, as vLLM's fork does: samples of one prompt share its blocks until one
   * of them writes. Returns how many blocks were copied. A shared block is always a full prefix
   * block or the prompt's last partial block, never a block past a sample's own output.
   */
  public int copyOnWrite(BlockTable table, int start, int end, BlockCopier copier) {
    int copied = 0;
    for (int i = start / blockSize; i < table.size() && i * blockSize < end; i++) {
      int shared = table.get(i);
      if (pool.refCount(shared) > 1) {
        int own = pool.allocate();
        copier.copy(shared, own);
        table.set(i, own);
        pool.release(shared);
        copied++;
      }
    }
    return copied;
  }

  /** Registers the table's blocks that {@code computed} tokens have filled, for later reuse. */
  public void registerFull(BlockTable table, int[] tokens, int computed) {
    if (!prefixCaching) {
      return;
    }
    for (int i = table.hashedBlocks(); (i + 1) * blockSize <= computed && i < table.size(); i++) {
      int from = i * blockSize;
      long hash = PrefixHash.of(table.parentHash(i), tokens, from, from + blockSize);
      pool.register(table.get(i), hash, Arrays.copyOfRange(tokens, from, from + blockSize));
      table.addHash(hash);
    }
  }

  /** Releases every block of the table and empties it. */
  public void free(BlockTable table) {
    // release back to front, so that an evicted prefix goes tail first and heads stay cached
    for (int i = table.size() - 1; i >= 0; i--) {
      pool.release(table.get(i));
    }
    table.clear();
  }
}

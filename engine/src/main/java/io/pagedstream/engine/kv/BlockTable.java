package io.pagedstream.engine.kv;

import java.util.Arrays;

/**
 * A sequence's logical-to-physical block map: entry i holds token positions [i*bs, (i+1)*bs). The
 * leading full blocks also carry their prefix-chain hash once their content is final.
 */
public final class BlockTable {

  private int[] blocks = new int[8];
  private long[] hashes = new long[8];
  private int size;
  private int hashed;

  public int size() {
    return size;
  }

  public int get(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException("block " + i + " of " + size);
    }
    return blocks[i];
  }

  public void add(int block) {
    if (size == blocks.length) {
      blocks = Arrays.copyOf(blocks, size * 2);
      hashes = Arrays.copyOf(hashes, size * 2);
    }
    blocks[size++] = block;
  }

  /** Points entry {@code i} at another block (copy-on-write); only unhashed entries change. */
  public void set(int i, int block) {
    if (i >= size || i < hashed) {
      throw new IllegalStateException(
          "block " + i + " of " + size + " (" + hashed + " hashed) cannot be replaced");
    }
    blocks[i] = block;
  }

  /** How many leading blocks have a known chain hash. */
  public int hashedBlocks() {
    return hashed;
  }

  /** The chain hash of block {@code i}'s predecessor, or the root for the first block. */
  public long parentHash(int i) {
    return i == 0 ? PrefixHash.ROOT : hashes[i - 1];
  }

  /** Records the chain hash of the next unhashed block. */
  public void addHash(long hash) {
    if (hashed >= size) {
      throw new IllegalStateException(
          "no block to hash: " + hashed + " of " + size + " already hashed");
    }
    hashes[hashed++] = hash;
  }

  /** The cache slot holding token position {@code position}. */
  public long slot(int position, int blockSize) {
    return (long) get(position / blockSize) * blockSize + position % blockSize;
  }

  public int[] toArray() {
    return Arrays.copyOf(blocks, size);
  }

  public void clear() {
    size = 0;
    hashed = 0;
  }

  @Override
  public String toString() {
    return Arrays.toString(toArray());
  }
}

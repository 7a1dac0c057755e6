package io.pagedstream.engine.kv;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.model.ModelSpec;

/**
 * The KV cache's storage: per layer one preallocated K and one V tensor of shape
 * {@code [numBlocks * blockSize, kvHeads, headDim]} (the block-major layout with blocks and
 * in-block offsets flattened into one slot axis). Slot {@code b * blockSize + i} is offset i of
 * block b. Tokens are written and read only by slot index, through block tables.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int numBlocks;
  private final int blockSize;
  private final long bytes;

  public KvCache(NDManager parent, Device device, ModelSpec spec, int numBlocks, int blockSize) {
    this.manager = parent.newSubManager(device);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    Shape shape = new Shape((long) numBlocks * blockSize, spec.numKvHeads(), spec.headDim());
    this.keys = new NDArray[spec.numLayers()];
    this.values = new NDArray[spec.numLayers()];
    for (int l = 0; l < spec.numLayers(); l++) {
      keys[l] = manager.zeros(shape, DataType.FLOAT32);
      values[l] = manager.zeros(shape, DataType.FLOAT32);
    }
    this.bytes = 2L * spec.numLayers() * shape.size() * Float.BYTES;
  }

  public int numBlocks() {
    return numBlocks;
  }

  public int blockSize() {
    return blockSize;
  }

  public int numLayers() {
    return keys.length;
  }

  /** Bytes held by all K and V tensors. */
  public long bytes() {
    return bytes;
  }

  public Device device() {
    return manager.getDevice();
  }

  /** Writes K and V rows ({@code [n, kvHeads, headDim]}) into the given slots, in place. */
  public void write(int layer, NDArray slots, NDArray k, NDArray v) {
    NDIndex at = new NDIndex("{}", slots);
    keys[layer].set(at, k);
    values[layer].set(at, v);
  }

  /** K rows of the given slots, {@code [n, kvHeads, headDim]} (a gather: a new tensor). */
  public NDArray gatherKeys(int layer, NDArray slots) {
    return keys[layer].get(new NDIndex("{}", slots));
  }

  public NDArray gatherValues(int layer, NDArray slots) {
    return values[layer].get(new NDIndex("{}", slots));
  }

  /** Slot indices of whole blocks, as an int64 array on this cache's device. */
  public NDArray slotsOfBlocks(NDManager m, int[] blocks) {
    long[] slots = new long[blocks.length * blockSize];
    for (int i = 0; i < blocks.length; i++) {
      for (int j = 0; j < blockSize; j++) {
        slots[i * blockSize + j] = (long) blocks[i] * blockSize + j;
      }
    }
    return m.create(slots).toDevice(device(), false);
  }

  @Override
  public void close() {
    manager.close();
  }
}

package io.pagedstream.engine.kv;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.precision.Caster;
import io.pagedstream.engine.precision.Precision;

/**
 * The KV cache's storage: per layer one preallocated K and one V tensor of shape {@code [numBlocks
 * * blockSize, kvHeads, headDim]} (the block-major layout with blocks and in-block offsets
 * flattened into one slot axis). Slot {@code b * blockSize + i} is offset i of block b. Tokens are
 * written and read only by slot index, through block tables.
 *
 * <p>K and V are stored in the precision's KV dtype: float32 rows are converted on the way in, and
 * rows are gathered as stored ({@code AttentionProduct} decides whether attention widens them).
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int numBlocks;
  private final int blockSize;
  private final long bytes;
  private final Dtype dtype;
  private final Caster caster;

  public KvCache(
      NDManager parent,
      Device device,
      ModelSpec spec,
      int numBlocks,
      int blockSize,
      Precision precision,
      Caster caster) {
    this.manager = parent.newSubManager(device);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.dtype = precision.kv();
    this.caster = caster;
    Shape shape = new Shape((long) numBlocks * blockSize, spec.numKvHeads(), spec.headDim());
    this.keys = new NDArray[spec.numLayers()];
    this.values = new NDArray[spec.numLayers()];
    for (int l = 0; l < spec.numLayers(); l++) {
      keys[l] = precision.zeros(manager, shape, dtype);
      values[l] = precision.zeros(manager, shape, dtype);
    }
    this.bytes = 2L * spec.numLayers() * dtype.bytesFor(shape.size());
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

  /** The dtype K and V are stored in. */
  public Dtype dtype() {
    return dtype;
  }

  /** Writes float32 K and V rows ({@code [n, kvHeads, headDim]}) into the given slots, in place. */
  public void write(int layer, NDArray slots, NDArray k, NDArray v) {
    NDIndex at = new NDIndex("{}", slots);
    // one cast at a time: a bfloat16 cast reuses the caster's scratch
    keys[layer].set(at, caster.cast(k, dtype));
    values[layer].set(at, caster.cast(v, dtype));
  }

  /** Stored rows of the given slots in the KV dtype, for attention and copies between pools. */
  public NDArray gatherStored(int layer, boolean values, NDArray slots) {
    return Rows.select((values ? this.values : keys)[layer], slots);
  }

  /** Writes rows already in the KV dtype (from {@link #gatherStored}) into the given slots. */
  public void writeStored(int layer, NDArray slots, NDArray k, NDArray v) {
    NDIndex at = new NDIndex("{}", slots);
    keys[layer].set(at, k);
    values[layer].set(at, v);
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

  /** Copies block {@code from}'s slots into block {@code to} in every layer, in the KV dtype. */
  public void copyBlock(int from, int to) {
    // the scope frees the gathered rows, which the cache's own manager would keep until close
    try (NDManager m = manager.newSubManager();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray src = slotsOfBlocks(m, new int[] {from});
      NDArray dst = slotsOfBlocks(m, new int[] {to});
      for (int l = 0; l < keys.length; l++) {
        writeStored(l, dst, gatherStored(l, false, src), gatherStored(l, true, src));
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}

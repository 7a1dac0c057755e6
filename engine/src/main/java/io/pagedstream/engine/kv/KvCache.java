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
 * The KV cache's storage: per layer one preallocated K and one V tensor of shape {@code [kvHeads,
 * numBlocks * blockSize, headDim]}, head-major, with blocks and in-block offsets flattened into one
 * slot axis. Slot {@code b * blockSize + i} is offset i of block b; its K for head h is row {@code
 * h * slots + b * blockSize + i} of the layer's {@code [kvHeads * slots, headDim]} view. Tokens are
 * written and read only by slot, through block tables.
 *
 * <p>Head-major because attention batches its products per (KV head, sequence): one row gather then
 * yields K and V as {@code [kvHeads * sequences, context, headDim]}, ready for the products (K's
 * transpose is a view the product reads as is). With slots outermost, the same gather gave {@code
 * [sequences, context, kvHeads, headDim]}, and the products first copied K and V into head-major
 * order, every layer of every step: 0.7 ms of a 1.7 ms batch-64 decode attention per layer,
 * measured on the machine this was written on.
 *
 * <p>The pool is allocated uninitialized, not zero-filled, so its pages become resident only as
 * blocks are first written: a run that uses a fifth of a 1 GiB pool holds a fifth of it in memory
 * (a GPU's allocation is reserved whole either way). That is safe because a slot is read only after
 * it is written: attention gathers positions below each sequence's end, which the step wrote or an
 * earlier one did, and points every padding position at slot 0, which is zeroed here so that a
 * padding position's zero probability times its V is exactly zero (garbage could be NaN, and 0 *
 * NaN is NaN). Block 0 is also the first block handed out, so a step normally writes slot 0 before
 * any padding reads it; the zeroing makes that independent of allocation order. {@code
 * SchedulingTest} fills the pool with NaN to check the rule. Copies between pools (swap,
 * copy-on-write) move whole blocks, unwritten tails included, which are never read as tokens
 * either. Start-up still fails fast when the host cannot hold the whole pool ({@link
 * AvailableMemory#requireFits}).
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
  private final long slots;
  private final int kvHeads;
  private final int headDim;

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
    this.slots = (long) numBlocks * blockSize;
    this.kvHeads = spec.numKvHeads();
    this.headDim = spec.headDim();
    Shape shape = new Shape(kvHeads * slots, headDim);
    this.bytes = bytesFor(spec, numBlocks, blockSize, dtype);
    this.keys = new NDArray[spec.numLayers()];
    this.values = new NDArray[spec.numLayers()];
    for (int l = 0; l < spec.numLayers(); l++) {
      keys[l] = precision.uninitialized(manager, shape, dtype);
      values[l] = precision.uninitialized(manager, shape, dtype);
    }
    zeroPaddingSlot();
  }

  /** Zeroes slot 0, the one padding positions read, in every layer. */
  private void zeroPaddingSlot() {
    try (NDManager m = manager.newSubManager()) {
      NDArray zeros = caster.persistent(m.zeros(new Shape(kvHeads, headDim)), dtype);
      NDIndex slotZero = new NDIndex("{}", headRows(m, new long[] {0}));
      for (int l = 0; l < keys.length; l++) {
        keys[l].set(slotZero, zeros);
        values[l].set(slotZero, zeros);
      }
    }
  }

  /**
   * Overwrites every slot but padding's slot 0 with {@code value} in every layer, as uninitialized
   * memory may hold anything: a test fills the pool with NaN before any request, and gets the same
   * tokens only if no slot is read before it is written.
   */
  public void fillUnwritten(float value) {
    try (NDManager m = manager.newSubManager()) {
      NDArray filled = caster.persistent(m.full(keys[0].getShape(), value), dtype);
      for (int l = 0; l < keys.length; l++) {
        keys[l].set(new NDIndex(":"), filled);
        values[l].set(new NDIndex(":"), filled);
      }
    }
    zeroPaddingSlot();
  }

  /** Bytes of K and V for {@code blocks} blocks of every layer in dtype {@code d}. */
  public static long bytesFor(ModelSpec spec, long blocks, int blockSize, Dtype d) {
    // kvBytesPerToken(1): K and V elements per token, all layers
    return d.bytesFor(spec.kvBytesPerToken(1) * blocks * blockSize);
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

  /**
   * The storage rows of the given slots, every KV head's: {@code [kvHeads * n]} int64 on this
   * cache's device, head by head, for {@link #write} and {@link #gather}. Made once per step and
   * used by every layer.
   */
  public NDArray headRows(NDManager m, long[] slotIndices) {
    long[] rows = new long[kvHeads * slotIndices.length];
    for (int h = 0; h < kvHeads; h++) {
      for (int i = 0; i < slotIndices.length; i++) {
        rows[h * slotIndices.length + i] = h * slots + slotIndices[i];
      }
    }
    return m.create(rows).toDevice(device(), false);
  }

  /**
   * Writes float32 K and V rows ({@code [n, kvHeads, headDim]}) into the slots whose {@link
   * #headRows} are given, in place.
   */
  public void write(int layer, NDArray headRows, NDArray k, NDArray v) {
    NDIndex at = new NDIndex("{}", headRows);
    // head-major before the cast, which copies anyway; one cast at a time: a bfloat16 cast reuses
    // the caster's scratch
    keys[layer].set(at, headMajor(caster.cast(k.transpose(1, 0, 2), dtype)));
    values[layer].set(at, headMajor(caster.cast(v.transpose(1, 0, 2), dtype)));
  }

  /**
   * A layer's whole K (or V) storage, {@code [kvHeads * slots, headDim]} in the KV dtype, rows as
   * {@link #headRows} number them: for scripts that read and write it in place (LayerScripts).
   */
  public NDArray storage(int layer, boolean values) {
    return (values ? this.values : keys)[layer];
  }

  /**
   * K (or V) of the slots whose {@link #headRows} are given, in the KV dtype: {@code [kvHeads * n,
   * headDim]}, head by head.
   */
  public NDArray gather(int layer, boolean values, NDArray headRows) {
    return Rows.select((values ? this.values : keys)[layer], headRows);
  }

  /**
   * Stored rows of the given slots in the KV dtype, {@code [n, kvHeads, headDim]}, for copies
   * between pools.
   */
  public NDArray gatherStored(int layer, boolean values, NDArray slotIndices) {
    long n = slotIndices.getShape().size();
    return gather(layer, values, headRows(slotIndices))
        .reshape(kvHeads, n, headDim)
        .transpose(1, 0, 2);
  }

  /** Writes rows already in the KV dtype (from {@link #gatherStored}) into the given slots. */
  public void writeStored(int layer, NDArray slotIndices, NDArray k, NDArray v) {
    NDIndex at = new NDIndex("{}", headRows(slotIndices));
    keys[layer].set(at, headMajor(k.transpose(1, 0, 2)));
    values[layer].set(at, headMajor(v.transpose(1, 0, 2)));
  }

  /** {@link #headRows} of slots given as an array on this cache's device. */
  private NDArray headRows(NDArray slotIndices) {
    long[] offsets = new long[kvHeads];
    for (int h = 0; h < kvHeads; h++) {
      offsets[h] = h * slots;
    }
    NDArray perHead =
        slotIndices.getManager().create(offsets, new Shape(kvHeads, 1)).toDevice(device(), false);
    return slotIndices.reshape(1, -1).add(perHead).reshape(-1);
  }

  /** {@code [kvHeads, n, headDim]} rows as {@code [kvHeads * n, headDim]}. */
  private NDArray headMajor(NDArray rows) {
    return rows.reshape(-1, headDim);
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

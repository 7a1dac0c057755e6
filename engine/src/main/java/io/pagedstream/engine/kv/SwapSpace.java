package io.pagedstream.engine.kv;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.pagedstream.core.memory.Dtype;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.precision.Precision;
import java.util.ArrayDeque;

/**
 * Host-memory blocks that hold swapped-out sequences' KV, the other preemption mode the vLLM paper
 * compares with recomputation. Its tensors always live on the CPU; on a CPU-only machine the copies
 * are host to host but take the same path as device-to-host ones. Blocks keep the KV cache's dtype;
 * bfloat16 rows cross devices as float32 (exact both ways), because DJL cannot name bfloat16 in a
 * device copy.
 */
public final class SwapSpace implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int numBlocks;
  private final int blockSize;
  private final ArrayDeque<Integer> free = new ArrayDeque<>();

  private final Dtype dtype;

  public SwapSpace(
      NDManager parent, ModelSpec spec, int numBlocks, int blockSize, Precision precision) {
    this.manager = parent.newSubManager(Device.cpu());
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.dtype = precision.kv();
    Shape shape =
        new Shape((long) Math.max(numBlocks, 1) * blockSize, spec.numKvHeads(), spec.headDim());
    this.keys = new NDArray[spec.numLayers()];
    this.values = new NDArray[spec.numLayers()];
    // uninitialized like the KV pool: a swap block is read back only after a swap-out wrote it
    for (int l = 0; l < spec.numLayers(); l++) {
      keys[l] = precision.uninitialized(manager, shape, dtype);
      values[l] = precision.uninitialized(manager, shape, dtype);
    }
    for (int b = 0; b < numBlocks; b++) {
      free.add(b);
    }
  }

  /** Swap blocks of the given byte budget for one model, at least zero. */
  public static int blocksForBytes(long bytes, ModelSpec spec, int blockSize, Dtype dtype) {
    long perBlock = KvCache.bytesFor(spec, 1, blockSize, dtype);
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, bytes / perBlock));
  }

  public int numBlocks() {
    return numBlocks;
  }

  public int available() {
    return free.size();
  }

  /** Copies device blocks into newly taken swap blocks and returns those, in the same order. */
  public int[] swapOut(KvCache cache, int[] deviceBlocks) {
    if (deviceBlocks.length > free.size()) {
      throw new IllegalStateException(
          "swap space full: " + deviceBlocks.length + " blocks asked, " + free.size() + " free");
    }
    int[] host = new int[deviceBlocks.length];
    for (int i = 0; i < host.length; i++) {
      host[i] = free.poll();
    }
    try (NDScope scope = new NDScope()) {
      NDArray from = cache.slotsOfBlocks(manager, deviceBlocks);
      NDIndex to =
          new NDIndex("{}", cache.slotsOfBlocks(manager, host).toDevice(Device.cpu(), false));
      for (int l = 0; l < keys.length; l++) {
        keys[l].set(to, move(cache.gatherStored(l, false, from), Device.cpu()));
        values[l].set(to, move(cache.gatherStored(l, true, from), Device.cpu()));
      }
      scope.suppressNotUsedWarning();
    }
    return host;
  }

  /** Copies swap blocks back into device blocks and frees the swap blocks. */
  public void swapIn(KvCache cache, int[] hostBlocks, int[] deviceBlocks) {
    try (NDScope scope = new NDScope()) {
      NDArray from = cache.slotsOfBlocks(manager, hostBlocks).toDevice(Device.cpu(), false);
      NDArray to = cache.slotsOfBlocks(manager, deviceBlocks);
      NDIndex fromIdx = new NDIndex("{}", from);
      for (int l = 0; l < keys.length; l++) {
        cache.writeStored(
            l,
            to,
            move(keys[l].get(fromIdx), cache.device()),
            move(values[l].get(fromIdx), cache.device()));
      }
      scope.suppressNotUsedWarning();
    }
    release(hostBlocks);
  }

  /** Rows in the KV dtype on {@code device}; a no-op on the same device. */
  private NDArray move(NDArray rows, Device device) {
    if (rows.getDevice().equals(device)) {
      return rows;
    }
    if (dtype != Dtype.BFLOAT16) {
      return rows.toDevice(device, false);
    }
    throw new IllegalStateException(
        "swapping bfloat16 KV blocks between devices is not supported by DJL 0.33 "
            + "(use --kv-cache-dtype float16 or --preemption-mode recompute)");
  }

  /** Gives swap blocks back without copying (a swapped sequence that was aborted). */
  public void release(int[] hostBlocks) {
    for (int b : hostBlocks) {
      free.add(b);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}

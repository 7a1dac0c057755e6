package io.pagedstream.app;

import io.pagedstream.core.model.ModelSpec;

/** KV blocks that fit a memory budget for the engine's float32 cache. */
final class KvBudget {
  private KvBudget() {}

  static int blocks(ModelSpec spec, long bytes, int blockSize) {
    long perBlock = spec.kvBytesPerToken(Float.BYTES) * blockSize;
    long n = bytes / perBlock;
    if (n < 1) {
      throw new IllegalArgumentException("a KV budget of " + bytes + " bytes holds no block of " + perBlock + " bytes");
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }
}

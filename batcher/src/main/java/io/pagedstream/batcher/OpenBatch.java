package io.pagedstream.batcher;

import java.util.Objects;

/**
 * A batch still taking requests: what the packer needs to know of it. Its requests themselves are
 * kept apart (see {@link OpenBatchStore}), so adding one writes only that request.
 *
 * @param batchId the id the batch will be sent with
 * @param openedAtMs wall-clock time the batch was opened, for the flush by age
 * @param blocks KV blocks its requests need at most, summed
 * @param requests how many requests it holds
 * @param route the {@link PrefixRoute} route of its prefixed requests, {@link PrefixRoute#NONE}
 *     while it holds only plain ones
 */
public record OpenBatch(String batchId, long openedAtMs, int blocks, int requests, int route) {

  /** A batch without a route yet. */
  public OpenBatch(String batchId, long openedAtMs, int blocks, int requests) {
    this(batchId, openedAtMs, blocks, requests, PrefixRoute.NONE);
  }

  public OpenBatch {
    Objects.requireNonNull(batchId, "batchId");
    if (blocks < 0 || requests < 0) {
      throw new IllegalArgumentException("an open batch cannot hold negative blocks or requests");
    }
  }

  public static OpenBatch empty(String batchId, long openedAtMs) {
    return new OpenBatch(batchId, openedAtMs, 0, 0);
  }

  /** This batch with one more request of {@code requestBlocks} blocks. */
  public OpenBatch plus(int requestBlocks) {
    return new OpenBatch(
        batchId, openedAtMs, Math.addExact(blocks, requestBlocks), requests + 1, route);
  }

  /** This batch, bound to {@code newRoute} (a prefixed request joined it). */
  public OpenBatch withRoute(int newRoute) {
    return new OpenBatch(batchId, openedAtMs, blocks, requests, newRoute);
  }
}

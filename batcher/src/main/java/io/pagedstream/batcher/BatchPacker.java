package io.pagedstream.batcher;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The packing policy: online, bounded-space Best Fit with a flush by age.
 *
 * <p>Requests are items of their KV estimate in blocks; a batch is a bin of {@code budgetBlocks}
 * that also holds at most {@code maxRequests} items. Requests arrive one at a time and waiting for
 * more costs latency, so the offline heuristics (First Fit Decreasing needs the whole input sorted)
 * do not apply. Among online ones that keep only {@code maxOpenBatches} bins open per task:
 *
 * <ul>
 *   <li>a request joins the open batch it fits <em>best</em> (fewest blocks left afterwards; ties
 *       to the oldest, which is closest to its flush by age);
 *   <li>when it fits none and {@code maxOpenBatches} are open, the <em>fullest</em> open batch is
 *       sent and a new one opened for the request;
 *   <li>a batch that reaches the budget or the request limit is sent at once, since nothing more
 *       can join it;
 *   <li>a batch open for the flush interval is sent however full it is, so a trickle of requests
 *       still flows (the caller checks {@link #expired} on a wall-clock punctuator).
 * </ul>
 *
 * <p>Why Best Fit: with K open bins, Best Fit that closes its fullest bin (Csirik and Johnson's
 * BBF_K) uses at most 1.7 times the optimal number of bins for every K of 2 or more, the same bound
 * as unbounded Best Fit; bounded First Fit is worse for every K, and Next Fit (K = 1) is 2. Fewer,
 * fuller batches mean fewer processor rounds. K stays small because each open batch delays its
 * requests: with more of them, each fills more slowly and more of them leave by age, half empty.
 *
 * <p>Pure: decides from what it is shown and changes nothing, so the processor applies the
 * decision to its state store.
 */
public final class BatchPacker {

  private final int budgetBlocks;
  private final int maxRequests;
  private final int maxOpenBatches;

  public BatchPacker(int budgetBlocks, int maxRequests, int maxOpenBatches) {
    if (budgetBlocks < 1 || maxRequests < 1 || maxOpenBatches < 1) {
      throw new IllegalArgumentException("budget, max requests and max open batches must be at"
          + " least 1, got " + budgetBlocks + ", " + maxRequests + ", " + maxOpenBatches);
    }
    this.budgetBlocks = budgetBlocks;
    this.maxRequests = maxRequests;
    this.maxOpenBatches = maxOpenBatches;
  }

  /**
   * Where a request of {@code blocks} KV blocks goes, given the batches open now.
   *
   * @throws IllegalArgumentException when the request could never fit a batch; callers answer
   *     such requests with an error instead of packing them
   */
  public Placement place(Collection<OpenBatch> open, int blocks) {
    if (blocks < 1 || blocks > budgetBlocks) {
      throw new IllegalArgumentException("a request of " + blocks
          + " KV blocks cannot go in a batch of " + budgetBlocks);
    }
    Optional<OpenBatch> best = open.stream()
        .filter(b -> fits(b, blocks))
        .min(Comparator.comparingInt((OpenBatch b) -> budgetBlocks - b.blocks())
            .thenComparing(byAge()));
    if (best.isPresent()) {
      return new Placement.Join(best.get().batchId());
    }
    if (open.size() < maxOpenBatches) {
      return new Placement.OpenNew(Optional.empty());
    }
    OpenBatch fullest = open.stream()
        .max(Comparator.comparingDouble(this::fill).thenComparing(byAge().reversed()))
        .orElseThrow(); // open.size() >= maxOpenBatches >= 1
    return new Placement.OpenNew(Optional.of(fullest.batchId()));
  }

  /** Whether nothing more can join the batch: it holds the budget or the request limit. */
  public boolean isFull(OpenBatch batch) {
    return batch.blocks() >= budgetBlocks || batch.requests() >= maxRequests;
  }

  /** The open batches opened {@code interval} or longer before {@code nowMs}, oldest first. */
  public List<OpenBatch> expired(Collection<OpenBatch> open, long nowMs, Duration interval) {
    long limit = interval.toMillis();
    return open.stream()
        .filter(b -> nowMs - b.openedAtMs() >= limit)
        .sorted(byAge())
        .toList();
  }

  /** How full a batch is in its tighter dimension, blocks or requests: 0 to 1. */
  public double fill(OpenBatch batch) {
    return Math.max((double) batch.blocks() / budgetBlocks, (double) batch.requests() / maxRequests);
  }

  public int budgetBlocks() {
    return budgetBlocks;
  }

  private boolean fits(OpenBatch batch, int blocks) {
    return batch.requests() < maxRequests && batch.blocks() + (long) blocks <= budgetBlocks;
  }

  /** Oldest first; the id breaks ties so that decisions never depend on iteration order. */
  private static Comparator<OpenBatch> byAge() {
    return Comparator.comparingLong(OpenBatch::openedAtMs).thenComparing(OpenBatch::batchId);
  }
}

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
 *   <li>a batch open for the flush interval is sent however full it is once the input has been idle
 *       for an interval, so a trickle of requests still flows; while requests keep coming (a bulk
 *       job) it waits up to {@link #MAX_AGE_INTERVALS} intervals to fill (the caller checks {@link
 *       #expired} on a wall-clock punctuator);
 *   <li>a request with a shared prompt prefix only joins a batch of its {@link PrefixRoute} route
 *       (or one without a route yet), so its batch goes to its prefix's partition.
 * </ul>
 *
 * <p>Why Best Fit: with K open bins, Best Fit that closes its fullest bin (Csirik and Johnson's
 * BBF_K) uses at most 1.7 times the optimal number of bins for every K of 2 or more, the same bound
 * as unbounded Best Fit; bounded First Fit is worse for every K, and Next Fit (K = 1) is 2. Fewer,
 * fuller batches mean fewer processor rounds. K stays small because each open batch delays its
 * requests: with more of them, each fills more slowly and more of them leave by age, half empty.
 *
 * <p>Pure: decides from what it is shown and changes nothing, so the processor applies the decision
 * to its state store.
 */
public final class BatchPacker {

  private final int budgetBlocks;
  private final int maxRequests;
  private final int maxOpenBatches;

  public BatchPacker(int budgetBlocks, int maxRequests, int maxOpenBatches) {
    if (budgetBlocks < 1 || maxRequests < 1 || maxOpenBatches < 1) {
      throw new IllegalArgumentException(
          "budget, max requests and max open batches must be at"
              + " least 1, got "
              + budgetBlocks
              + ", "
              + maxRequests
              + ", "
              + maxOpenBatches);
    }
    this.budgetBlocks = budgetBlocks;
    this.maxRequests = maxRequests;
    this.maxOpenBatches = maxOpenBatches;
  }

  /**
   * Where a request of {@code blocks} KV blocks goes, given the batches open now.
   *
   * @throws IllegalArgumentException when the request could never fit a batch; callers answer such
   *     requests with an error instead of packing them
   */
  public Placement place(Collection<OpenBatch> open, int blocks) {
    return place(open, blocks, PrefixRoute.NONE);
  }

  /**
   * Same, for a request of {@code route}: a prefixed request ({@code route} not {@link
   * PrefixRoute#NONE}) joins a batch of its route, else one without a route yet, so that its batch
   * goes to its prefix's partition; a plain request joins any.
   */
  public Placement place(Collection<OpenBatch> open, int blocks, int route) {
    if (blocks < 1 || blocks > budgetBlocks) {
      throw new IllegalArgumentException(
          "a request of " + blocks + " KV blocks cannot go in a batch of " + budgetBlocks);
    }
    Optional<OpenBatch> best =
        bestFit(open, blocks, b -> route == PrefixRoute.NONE || b.route() == route);
    if (best.isEmpty() && route != PrefixRoute.NONE) {
      best = bestFit(open, blocks, b -> b.route() == PrefixRoute.NONE);
    }
    if (best.isPresent()) {
      return new Placement.Join(best.get().batchId());
    }
    if (open.size() < maxOpenBatches) {
      return new Placement.OpenNew(Optional.empty());
    }
    OpenBatch fullest =
        open.stream()
            .max(Comparator.comparingDouble(this::fill).thenComparing(byAge().reversed()))
            .orElseThrow(); // open.size() >= maxOpenBatches >= 1
    return new Placement.OpenNew(Optional.of(fullest.batchId()));
  }

  /** Whether nothing more can join the batch: it holds the budget or the request limit. */
  public boolean isFull(OpenBatch batch) {
    return batch.blocks() >= budgetBlocks || batch.requests() >= maxRequests;
  }

  /**
   * The open batches to send by age: while requests keep arriving (bulk input), only those open
   * {@link #MAX_AGE_INTERVALS} flush intervals, so batches fill; once the input has been idle for
   * an interval, every batch open an interval. A trickle still flows, a bulk job's batches fill.
   *
   * @param lastArrivalMs when the task last received a request
   */
  public List<OpenBatch> expired(
      Collection<OpenBatch> open, long nowMs, Duration interval, long lastArrivalMs) {
    boolean idle = nowMs - lastArrivalMs >= interval.toMillis();
    return expired(open, nowMs, idle ? interval : interval.multipliedBy(MAX_AGE_INTERVALS));
  }

  /** How many flush intervals a batch may stay open while its input is still busy. */
  public static final int MAX_AGE_INTERVALS = 10;

  /** The open batches opened {@code interval} or longer before {@code nowMs}, oldest first. */
  public List<OpenBatch> expired(Collection<OpenBatch> open, long nowMs, Duration interval) {
    long limit = interval.toMillis();
    return open.stream().filter(b -> nowMs - b.openedAtMs() >= limit).sorted(byAge()).toList();
  }

  /** How full a batch is in its tighter dimension, blocks or requests: 0 to 1. */
  public double fill(OpenBatch batch) {
    return Math.max(
        (double) batch.blocks() / budgetBlocks, (double) batch.requests() / maxRequests);
  }

  public int budgetBlocks() {
    return budgetBlocks;
  }

  private Optional<OpenBatch> bestFit(
      Collection<OpenBatch> open, int blocks, java.util.function.Predicate<OpenBatch> may) {
    return open.stream()
        .filter(b -> fits(b, blocks) && may.test(b))
        .min(
            Comparator.comparingInt((OpenBatch b) -> budgetBlocks - b.blocks())
                .thenComparing(byAge()));
  }

  private boolean fits(OpenBatch batch, int blocks) {
    return batch.requests() < maxRequests && batch.blocks() + (long) blocks <= budgetBlocks;
  }

  /** Oldest first; the id breaks ties so that decisions never depend on iteration order. */
  private static Comparator<OpenBatch> byAge() {
    return Comparator.comparingLong(OpenBatch::openedAtMs).thenComparing(OpenBatch::batchId);
  }
}

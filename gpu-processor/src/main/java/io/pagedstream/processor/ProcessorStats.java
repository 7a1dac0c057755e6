package io.pagedstream.processor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters a processor exposes (read from other threads: metrics, progress, tests). */
public final class ProcessorStats {
  final AtomicLong batchesTaken = new AtomicLong();
  final AtomicLong batchesCommitted = new AtomicLong();
  final AtomicLong completionsCommitted = new AtomicLong();
  final AtomicLong errorsCommitted = new AtomicLong();
  final AtomicLong outputTokens = new AtomicLong();
  final AtomicLong deadLetters = new AtomicLong();
  final AtomicLong transactions = new AtomicLong();
  final AtomicLong abortedRequests = new AtomicLong();
  private final AtomicInteger inFlightBatches = new AtomicInteger();
  private final AtomicInteger heldRequests = new AtomicInteger();
  private final AtomicInteger peakInFlightBatches = new AtomicInteger();
  private final AtomicInteger peakHeldRequests = new AtomicInteger();
  private final AtomicInteger peakWaitingRequests = new AtomicInteger();
  private final LoopTimes times = new LoopTimes();

  /**
   * What the loop holds after each turn: the work in memory, as opposed to the work still in Kafka.
   * Its peaks show the backpressure: a batch is only taken once the engine has admitted everything
   * it was given, so requests held never exceed what runs at once plus one batch.
   */
  void observe(int batchesInFlight, int requestsHeld, int requestsWaiting) {
    inFlightBatches.set(batchesInFlight);
    heldRequests.set(requestsHeld);
    peakInFlightBatches.accumulateAndGet(batchesInFlight, Math::max);
    peakHeldRequests.accumulateAndGet(requestsHeld, Math::max);
    peakWaitingRequests.accumulateAndGet(requestsWaiting, Math::max);
  }

  public long batchesTaken() {
    return batchesTaken.get();
  }

  public long batchesCommitted() {
    return batchesCommitted.get();
  }

  public long completionsCommitted() {
    return completionsCommitted.get();
  }

  public long errorsCommitted() {
    return errorsCommitted.get();
  }

  /** Tokens generated, counted when generated (committed or not). */
  public long outputTokens() {
    return outputTokens.get();
  }

  public long deadLetters() {
    return deadLetters.get();
  }

  public long transactions() {
    return transactions.get();
  }

  /** Batches taken and not yet committed: running, waiting, or done but behind an earlier one. */
  public int inFlightBatches() {
    return inFlightBatches.get();
  }

  /** Requests in the engine (running or waiting) now. */
  public int heldRequests() {
    return heldRequests.get();
  }

  public int peakInFlightBatches() {
    return peakInFlightBatches.get();
  }

  /** The most requests the engine held at once (running plus waiting). */
  public int peakHeldRequests() {
    return peakHeldRequests.get();
  }

  /** The most requests waiting in the engine for KV blocks or a running slot at once. */
  public int peakWaitingRequests() {
    return peakWaitingRequests.get();
  }

  /** Where the loop's time went, phase by phase. */
  public LoopTimes times() {
    return times;
  }

  /** Requests dropped because their partition moved to another instance. */
  public long abortedRequests() {
    return abortedRequests.get();
  }
}

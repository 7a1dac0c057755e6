package io.pagedstream.processor;

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

  /** Requests dropped because their partition moved to another instance. */
  public long abortedRequests() {
    return abortedRequests.get();
  }
}

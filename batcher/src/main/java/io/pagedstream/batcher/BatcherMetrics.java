package io.pagedstream.batcher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The batcher's meters, on a Micrometer registry the caller owns:
 *
 * <ul>
 *   <li>{@value #BATCH_FILL}: per sent batch, KV blocks used / budget (0 to 1);
 *   <li>{@value #BATCH_REQUESTS}: per sent batch, its requests;
 *   <li>{@value #BATCHES}: batches sent, tagged {@code reason} = full, no_room or age;
 *   <li>{@value #REQUESTS}: requests handled, tagged {@code outcome} = batched, rejected (error
 *       completion), cached (answered from the response cache), duplicate (already submitted in its
 *       job, skipped) or dead_letter (could not be read);
 *   <li>{@value #THREAD_REPLACEMENTS}: stream threads that failed and were replaced.
 * </ul>
 *
 * <p>Counted when the work is done, not when its transaction commits: an aborted and retried
 * transaction counts twice, so these are rates to watch, not an exact ledger.
 */
public final class BatcherMetrics {

  /**
   * The Kafka Streams config key under which {@link BatcherService} hands this object to the
   * dead-letter handler, which Kafka creates by class name.
   */
  public static final String CONFIG_KEY = "pagedstream.batcher.metrics";

  public static final String BATCH_FILL = "pagedstream.batcher.batch.fill";
  public static final String BATCH_REQUESTS = "pagedstream.batcher.batch.requests";
  public static final String BATCHES = "pagedstream.batcher.batches";
  public static final String REQUESTS = "pagedstream.batcher.requests";
  public static final String THREAD_REPLACEMENTS = "pagedstream.batcher.thread.replacements";

  private final DistributionSummary fill;
  private final DistributionSummary size;
  private final Map<CloseReason, Counter> batches = new EnumMap<>(CloseReason.class);
  private final Counter batched;
  private final Counter rejected;
  private final Counter deadLettered;
  private final Counter cachedRequests;
  private final Counter duplicates;
  private final Counter threadReplacements;

  private BatcherMetrics(MeterRegistry registry) {
    fill =
        DistributionSummary.builder(BATCH_FILL)
            .description("KV blocks a sent batch needs at most, over the budget")
            .register(registry);
    size =
        DistributionSummary.builder(BATCH_REQUESTS)
            .description("Requests in a sent batch")
            .register(registry);
    for (CloseReason reason : CloseReason.values()) {
      batches.put(
          reason,
          Counter.builder(BATCHES)
              .tag("reason", reason.tag())
              .description("Batches sent to the processors")
              .register(registry));
    }
    batched = requests(registry, "batched");
    rejected = requests(registry, "rejected");
    deadLettered = requests(registry, "dead_letter");
    cachedRequests = requests(registry, "cached");
    duplicates = requests(registry, "duplicate");
    threadReplacements =
        Counter.builder(THREAD_REPLACEMENTS)
            .description("Stream threads that failed and were replaced")
            .register(registry);
  }

  public static BatcherMetrics of(MeterRegistry registry) {
    return new BatcherMetrics(registry);
  }

  /** Meters that go nowhere: a composite registry with no registries in it records nothing. */
  public static BatcherMetrics none() {
    return new BatcherMetrics(new CompositeMeterRegistry());
  }

  void batchSent(OpenBatch batch, int budgetBlocks, CloseReason reason) {
    fill.record((double) batch.blocks() / budgetBlocks);
    size.record(batch.requests());
    batches.get(reason).increment();
  }

  void requestBatched() {
    batched.increment();
  }

  void requestRejected() {
    rejected.increment();
  }

  void requestCached() {
    cachedRequests.increment();
  }

  void requestDuplicate() {
    duplicates.increment();
  }

  void recordDeadLettered() {
    deadLettered.increment();
  }

  void threadReplaced() {
    threadReplacements.increment();
  }

  private static Counter requests(MeterRegistry registry, String outcome) {
    return Counter.builder(REQUESTS)
        .tag("outcome", outcome)
        .description("Requests handled by the batcher")
        .register(registry);
  }
}

package io.pagedstream.app.load;

import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.processor.ProcessorService;
import java.util.Collection;

/**
 * Where a job's requests are at one moment, as far as memory goes: answered, held by the
 * processors' engines (running or waiting), or in the batcher's open batches. Everything else the
 * producer sent is still in Kafka (llm.requests or llm.batches) and costs no memory here.
 *
 * @param batcherTasks the batcher tasks whose stores could be read (none while they move)
 * @param maxOpenBatchesPerTask the most open batches any one batcher task holds
 */
record PipelineLoad(
    long completed,
    int processorHeld,
    int processorWaiting,
    int inFlightBatches,
    long batcherOpenRequests,
    int batcherTasks,
    long maxOpenBatchesPerTask) {

  /** Reads the services' counters and stores; from any thread (the figures may be a step apart). */
  static PipelineLoad of(DevCluster pipeline) {
    long completed = 0;
    int held = 0;
    int waiting = 0;
    int inFlight = 0;
    for (ProcessorService p : pipeline.processors()) {
      completed += p.stats().completionsCommitted();
      held += p.stats().heldRequests();
      waiting += p.engine().numWaiting();
      inFlight += p.stats().inFlightBatches();
    }
    Collection<Long> open = pipeline.batcher().openBatchesByPartition().values();
    return new PipelineLoad(
        completed,
        held,
        waiting,
        inFlight,
        pipeline.batcher().openBatchRequests(),
        open.size(),
        open.stream().mapToLong(Long::longValue).max().orElse(0));
  }

  long inMemory() {
    return processorHeld + batcherOpenRequests;
  }

  /** Of {@code produced} requests, those neither answered nor in memory: queued in Kafka. */
  long inKafka(long produced) {
    return Math.max(0, produced - completed - inMemory());
  }
}

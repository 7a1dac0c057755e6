package io.pagedstream.batcher;

import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's batcher: checks each request, answers the bad ones with an error completion, packs the
 * good ones into open batches ({@link BatchPacker}) kept in the task's state stores, and sends
 * batches when they are full, when they must make room, or when they are old enough (wall-clock
 * punctuator; see {@link BatchPacker#expired(java.util.Collection, long, java.time.Duration,
 * long)}). Requests with a shared prompt prefix are packed by their {@link PrefixRoute} route.
 * Everything it writes (state, batches, completions) commits with the input offset in one
 * transaction under exactly_once_v2.
 */
final class BatchingProcessor
    implements Processor<String, GenerationRequest, String, SpecificRecord> {

  private static final Logger LOG = LoggerFactory.getLogger(BatchingProcessor.class);

  private final BatcherConfig config;
  private final RequestChecker checker;
  private final BatchPacker packer;
  private final BatcherMetrics metrics;
  private final ResponseCache cache;
  private ProcessorContext<String, SpecificRecord> context;
  private OpenBatchStore store;
  private KeyValueStore<String, Long> submitted;
  private ReadOnlyKeyValueStore<String, Completion> cached;
  private final PrefixRoute routing;

  /** When this task last received a request: the age flush waits for the input to go idle. */
  private long lastArrivalMs;

  BatchingProcessor(
      BatcherConfig config,
      RequestChecker checker,
      BatchPacker packer,
      BatcherMetrics metrics,
      ResponseCache cache,
      PrefixRoute routing) {
    this.routing = routing;
    this.config = config;
    this.checker = checker;
    this.packer = packer;
    this.metrics = metrics;
    this.cache = cache;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.store =
        new OpenBatchStore(
            context.getStateStore(config.storeName()),
            context.getStateStore(config.requestStoreName()));
    this.submitted = context.getStateStore(config.submittedStoreName());
    this.cached = context.getStateStore(config.responseCacheStoreName());
    context.schedule(
        config.flushCheckPeriod(), PunctuationType.WALL_CLOCK_TIME, this::flushExpired);
  }

  @Override
  public void process(Record<String, GenerationRequest> record) {
    long now = context.currentSystemTimeMs();
    lastArrivalMs = now;
    // job and id cannot contain the separator's NUL byte in any JSON a user can type unescaped
    String submission = record.value().getJobId() + "\u0000" + record.value().getId();
    if (submitted.get(submission) != null) {
      metrics.requestDuplicate();
      return;
    }
    submitted.put(submission, now);
    RequestChecker.Verdict verdict = checker.check(record.value(), now);
    if (verdict instanceof RequestChecker.Verdict.Rejected rejected) {
      context.forward(
          new Record<String, SpecificRecord>(
              rejected.completion().getId(), rejected.completion(), record.timestamp()),
          BatcherTopology.COMPLETIONS_SINK);
      metrics.requestRejected();
    } else if (verdict instanceof RequestChecker.Verdict.Accepted accepted) {
      Optional<Completion> hit = cache.answer(cached, accepted.request(), now);
      if (hit.isPresent()) {
        context.forward(
            new Record<String, SpecificRecord>(hit.get().getId(), hit.get(), record.timestamp()),
            BatcherTopology.COMPLETIONS_SINK);
        metrics.requestCached();
      } else {
        pack(accepted.request(), now);
        metrics.requestBatched();
      }
    }
  }

  private void pack(BatchedRequest request, long now) {
    int route = routing.route(request.getPromptTokenIds());
    Placement placement = packer.place(store.openBatches(), request.getEstimatedKvBlocks(), route);
    OpenBatch target;
    if (placement instanceof Placement.Join join) {
      target = store.get(join.batchId());
    } else {
      ((Placement.OpenNew) placement)
          .closeFirst()
          .ifPresent(id -> send(store.get(id), CloseReason.NO_ROOM, now));
      target = OpenBatch.empty(newBatchId(), now);
    }
    if (route != PrefixRoute.NONE) {
      target = target.withRoute(route);
    }
    OpenBatch grown = store.append(target, request);
    if (packer.isFull(grown)) {
      send(grown, CloseReason.FULL, now);
    }
  }

  private void flushExpired(long now) {
    for (OpenBatch batch :
        packer.expired(store.openBatches(), now, config.flushInterval(), lastArrivalMs)) {
      send(batch, CloseReason.AGE, now);
    }
  }

  private void send(OpenBatch batch, CloseReason reason, long now) {
    GenerationBatch sent = store.remove(batch, now);
    context.forward(
        new Record<String, SpecificRecord>(sent.getBatchId(), sent, now),
        BatcherTopology.BATCHES_SINK);
    metrics.batchSent(batch, packer.budgetBlocks(), reason);
    LOG.debug(
        "sent batch {} ({}): {} requests, {} of {} KV blocks, open {} ms",
        batch.batchId(),
        reason.tag(),
        batch.requests(),
        batch.blocks(),
        packer.budgetBlocks(),
        now - batch.openedAtMs());
  }

  /**
   * Named after the input record that opens the batch: application id, partition, offset. Unique
   * for as long as the input topic lives, with no counter to keep, and the same if the record is
   * processed again after an aborted transaction.
   */
  private String newBatchId() {
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(
                () -> new IllegalStateException("a batch is only opened for an input record"));
    return context.applicationId() + "-" + source.partition() + "-" + source.offset();
  }

  @Override
  public void close() {
    // open batches stay in the store: the next owner of this task sends them
  }
}

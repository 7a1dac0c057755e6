package io.pagedstream.processor;

import io.pagedstream.core.request.CacheKey;
import io.pagedstream.core.request.InvalidRequestException;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.engine.LlmEngine;
import io.pagedstream.engine.RequestOutput;
import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.RequestRecords;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import io.pagedstream.schemas.serde.AvroDeserializer;
import io.pagedstream.schemas.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-generate-produce loop of one processor, on one thread (the engine's). Each turn: take
 * a batch while the engine's waiting queue holds less than a second KV pool's worth ({@link
 * Prefetch}), run one engine step, and commit finished batches (completions plus input offsets, in
 * one transaction) every commit interval, or sooner once enough completions are finished. {@link
 * LoopTimes} records where the time goes.
 */
final class ProcessorLoop implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessorLoop.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(100);

  /**
   * A request in the engine, where its answer goes, and its response-cache key if deterministic.
   */
  private record Pending(
      InFlightBatches.Batch batch, BatchedRequest request, long admittedAtMs, String cacheKey) {}

  private final ProcessorConfig config;
  private final LlmEngine engine;
  private final Consumer<String, byte[]> consumer;
  private final Producer<String, byte[]> producer;
  private final AvroDeserializer<GenerationBatch> batchReader;
  private final AvroSerializer<Completion> completionWriter;
  private final CompletionFactory completions;
  private final ProcessorStats stats;
  private final String modelFingerprint;
  private final InFlightBatches inflight = new InFlightBatches();
  private final Map<String, Pending> pending = new HashMap<>();
  private final Prefetch prefetch;
  private final LoopTimes times;

  /** The batcher's KV estimates of the requests in {@link #pending}, summed. */
  private long heldBlocks;

  /** Completions finished since the last transaction. */
  private int unsentCompletions;

  private long nextKey;
  private long lastCommitNanos = System.nanoTime();
  private volatile boolean running = true;
  private volatile boolean killed;
  private volatile Throwable failure;

  ProcessorLoop(
      ProcessorConfig config,
      LlmEngine engine,
      Consumer<String, byte[]> consumer,
      Producer<String, byte[]> producer,
      AvroDeserializer<GenerationBatch> batchReader,
      AvroSerializer<Completion> completionWriter,
      CompletionFactory completions,
      ProcessorStats stats,
      String modelFingerprint) {
    this.config = config;
    this.engine = engine;
    this.consumer = consumer;
    this.producer = producer;
    this.batchReader = batchReader;
    this.completionWriter = completionWriter;
    this.completions = completions;
    this.stats = stats;
    this.modelFingerprint = modelFingerprint;
    this.prefetch = new Prefetch(config.engine().numKvBlocks(), config.engine().maxNumSeqs());
    this.times = stats.times();
  }

  @Override
  public void run() {
    try {
      IntraOpThreads.set(config.threads());
      producer.initTransactions();
      consumer.subscribe(List.of(Topics.BATCHES), new Rebalance());
      while (running) {
        Set<TopicPartition> assigned = consumer.assignment();
        if (inflight.size() < config.maxInflightBatches()
            && prefetch.wantsMore(engine.numWaiting(), pending.size(), heldBlocks)) {
          consumer.resume(assigned);
        } else {
          consumer.pause(assigned);
        }
        boolean busy = engine.hasUnfinished();
        long t0 = System.nanoTime();
        var polled = consumer.poll(busy ? Duration.ZERO : IDLE_POLL);
        long t1 = System.nanoTime();
        times.add(busy ? LoopTimes.Phase.POLL : LoopTimes.Phase.IDLE, t1 - t0);
        for (ConsumerRecord<String, byte[]> rec : polled) {
          take(rec);
        }
        long t2 = System.nanoTime();
        times.add(LoopTimes.Phase.READ, t2 - t1);
        // after taking, when the engine holds the most
        stats.observe(inflight.size(), pending.size(), engine.numWaiting());
        if (engine.hasUnfinished()) {
          List<RequestOutput> finished = engine.step();
          long t3 = System.nanoTime();
          times.add(LoopTimes.Phase.STEP, t3 - t2);
          for (RequestOutput o : finished) {
            answer(o);
          }
          times.add(LoopTimes.Phase.ANSWER, System.nanoTime() - t3);
        }
        // an idle engine loses nothing to a commit: its last results go out now, not an interval
        // later
        commit(!engine.hasUnfinished());
      }
      if (!killed) {
        commit(true);
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (Throwable t) {
      failure = t;
      LOG.error("processor {} stopped: {}", config.instanceId(), t.toString());
    }
  }

  /** Stops after the current step, committing what is finished. */
  void stop() {
    running = false;
  }

  /** Stops without committing anything more: a crash, as far as Kafka can tell. */
  void kill() {
    killed = true;
    running = false;
    consumer.wakeup();
  }

  boolean killed() {
    return killed;
  }

  Throwable failure() {
    return failure;
  }

  private void take(ConsumerRecord<String, byte[]> rec) {
    TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
    GenerationBatch batch;
    try {
      batch = batchReader.deserialize(rec.topic(), rec.value());
    } catch (SerializationException e) {
      if (e.getCause() instanceof SchemaRegistryException sre && sre.isRetriable()) {
        // the registry is down, the record is fine: read it again later instead of dead-lettering
        // it
        LOG.warn(
            "schema registry unavailable, retrying batch at {}@{}: {}",
            tp,
            rec.offset(),
            sre.getMessage());
        consumer.seek(tp, rec.offset());
        return;
      }
      deadLetter(tp, rec, e.getMessage());
      return;
    }
    if (batch == null) {
      deadLetter(tp, rec, "batch record has no value");
      return;
    }
    stats.batchesTaken.incrementAndGet();
    String batchId = batch.getBatchId();
    InFlightBatches.Batch b = inflight.add(tp, rec.offset(), batchId, batch.getRequests().size());
    long now = System.currentTimeMillis();
    for (BatchedRequest r : batch.getRequests()) {
      SamplingParams params;
      try {
        params = RequestRecords.params(r);
      } catch (InvalidRequestException e) {
        complete(b, completions.error(r, batchId, e.getMessage()));
        continue;
      }
      String key = Long.toString(nextKey++);
      int[] prompt = TokenIds.toArray(r.getPromptTokenIds());
      pending.put(
          key, new Pending(b, r, now, CacheKey.of(modelFingerprint, prompt, params).orElse(null)));
      heldBlocks += r.getEstimatedKvBlocks();
      engine.add(key, prompt, params);
    }
  }

  private void answer(RequestOutput o) {
    Pending p = pending.remove(o.id());
    if (p == null) {
      return;
    }
    heldBlocks -= p.request().getEstimatedKvBlocks();
    stats.outputTokens.addAndGet(o.outputTokenIds().length);
    Completion c = completions.from(p.request(), p.batch().batchId, o, p.admittedAtMs());
    if (p.cacheKey() != null && !o.isError()) {
      // committed with the completion: a later identical deterministic request reuses it
      p.batch()
          .addOutput(
              new ProducerRecord<>(
                  Topics.RESPONSE_CACHE,
                  p.cacheKey(),
                  completionWriter.serialize(Topics.RESPONSE_CACHE, c)));
    }
    complete(p.batch(), c);
  }

  private void complete(InFlightBatches.Batch b, Completion c) {
    b.addOutput(
        new ProducerRecord<>(
            Topics.COMPLETIONS, c.getId(), completionWriter.serialize(Topics.COMPLETIONS, c)));
    b.answered();
    unsentCompletions++;
    if (Completions.isError(c)) {
      stats.errorsCommitted.incrementAndGet();
    }
  }

  private void deadLetter(TopicPartition tp, ConsumerRecord<String, byte[]> rec, String reason) {
    LOG.warn("dead-lettering unreadable batch at {}@{}: {}", tp, rec.offset(), reason);
    InFlightBatches.Batch b = inflight.add(tp, rec.offset(), rec.key(), 0);
    RecordHeaders headers = new RecordHeaders();
    headers.add(Topics.HEADER_ERROR, reason.getBytes(StandardCharsets.UTF_8));
    headers.add(Topics.HEADER_SOURCE, (tp + "@" + rec.offset()).getBytes(StandardCharsets.UTF_8));
    headers.add(
        Topics.HEADER_SERVICE,
        ("processor " + config.instanceId()).getBytes(StandardCharsets.UTF_8));
    b.addOutput(new ProducerRecord<>(Topics.DEAD_LETTER, null, rec.key(), rec.value(), headers));
    stats.deadLetters.incrementAndGet();
  }

  /**
   * Commits the finished batches in one transaction: once per commit interval, or sooner when
   * {@link ProcessorConfig#maxTransactionCompletions} are finished, or at once when {@code force}.
   * A fast engine then pays one commit per few thousand completions, a slow one still shows results
   * every interval.
   */
  private void commit(boolean force) {
    long start = System.nanoTime();
    if (!force
        && start - lastCommitNanos < config.commitInterval().toNanos()
        && unsentCompletions < config.maxTransactionCompletions()) {
      return;
    }
    lastCommitNanos = start;
    InFlightBatches.Committable c = inflight.drainCommittable();
    if (c.isEmpty()) {
      return;
    }
    unsentCompletions = 0;
    try {
      producer.beginTransaction();
      for (ProducerRecord<String, byte[]> r : c.records()) {
        producer.send(r);
      }
      producer.sendOffsetsToTransaction(c.offsets(), consumer.groupMetadata());
      producer.commitTransaction();
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      // a newer instance owns our transactional id: this one must stop, whatever it holds
      throw e;
    } catch (KafkaException e) {
      LOG.warn(
          "commit failed ({}); aborting and re-reading from the committed offsets", e.toString());
      producer.abortTransaction();
      rewind();
      return;
    }
    times.add(LoopTimes.Phase.COMMIT, System.nanoTime() - start);
    stats.transactions.incrementAndGet();
    stats.batchesCommitted.addAndGet(c.batches());
    stats.completionsCommitted.addAndGet(
        c.records().stream().filter(r -> r.topic().equals(Topics.COMPLETIONS)).count());
  }

  /** Drops everything in flight and goes back to the last committed offsets. */
  private void rewind() {
    abandon(inflight.dropAll());
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata om = committed.get(tp);
      if (om != null) {
        consumer.seek(tp, om.offset());
      } else {
        consumer.seekToBeginning(List.of(tp));
      }
    }
  }

  /**
   * Takes batches' unfinished requests out of the engine; their partitions' next owner redoes them.
   */
  private void abandon(List<InFlightBatches.Batch> batches) {
    if (batches.isEmpty()) {
      return;
    }
    Set<InFlightBatches.Batch> gone =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    gone.addAll(batches);
    for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Pending> e = it.next();
      if (gone.contains(e.getValue().batch())) {
        engine.abort(e.getKey());
        heldBlocks -= e.getValue().request().getEstimatedKvBlocks();
        stats.abortedRequests.incrementAndGet();
        it.remove();
      }
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (!killed && !partitions.isEmpty()) {
        commit(true);
      }
      abandon(inflight.drop(partitions));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      abandon(inflight.drop(partitions));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("processor {} now serves {}", config.instanceId(), partitions);
    }
  }
}

package io.pagedstream.app.load;

import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.KvBudget;
import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.EngineStats;
import io.pagedstream.ingest.PromptProducer;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.avro.JobStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Queues a job of many small requests at once and lets the pipeline (embedded broker, batcher, jobs
 * aggregation, N processors, all in this JVM, as {@code run} has them) drain it, sampling memory
 * and where the requests are. Kafka holds the backlog; the services should hold only a bounded
 * window of it, whatever the job's size.
 */
final class BackpressureRun {

  /**
   * @param requests queued at once, token-id prompts of 8 to 24 tokens, greedy
   * @param kvBlocks each processor's KV pool, and the batcher's budget per batch
   * @param maxNumSeqs sequences each engine runs at once
   * @param limit how long to let it drain; the report says how far it got
   */
  record Spec(
      Path model,
      int requests,
      int processors,
      int partitions,
      int kvBlocks,
      int maxNumSeqs,
      int maxBatchRequests,
      int maxTokens,
      Duration limit,
      Duration samplePeriod) {

    EngineConfig engine() {
      return EngineConfig.defaults(kvBlocks).withMaxNumSeqs(maxNumSeqs);
    }

    BatcherConfig batcher() {
      // as the batcher command builds it for processors with this engine
      return BatcherConfig.defaults(model)
          .withBlockSize(engine().blockSize())
          .withKvBudget(new KvBudget.Blocks(kvBlocks))
          .withMaxBatchRequests(maxBatchRequests)
          .withFlushInterval(Duration.ofMillis(100));
    }
  }

  /** What one processor held at most, from its own counters, and its engine's view. */
  record ProcessorPeaks(
      String instance,
      int maxInFlightBatches,
      int peakInFlightBatches,
      int peakHeldRequests,
      int peakWaitingRequests,
      int peakRunning,
      int peakKvBlocks,
      long preemptions,
      long completions) {}

  private BackpressureRun() {}

  static LoadReport run(Spec spec) throws InterruptedException {
    List<ProcessorConfig> configs = new ArrayList<>();
    for (int i = 0; i < spec.processors(); i++) {
      configs.add(ProcessorConfig.defaults(spec.model(), spec.engine(), "load-" + i));
    }
    String scope = "backpressure-" + UUID.randomUUID();
    String job = "load-" + UUID.randomUUID();
    try (GcWatcher gc = new GcWatcher();
        DevCluster pipeline =
            DevCluster.builder()
                .partitions(spec.partitions())
                .clientSettings(props -> settings(props, scope))
                .batcher(spec.batcher(), true)
                .processors(configs)
                .start()) {
      // the idle pipeline, everything loaded and connected: the baseline the queue adds to
      JvmMemory before = settledMemory();
      long heapBefore = gc.lastAfterGc();
      gc.resetPeak();
      AtomicLong produced = new AtomicLong();
      long produceNanos;
      long drainNanos;
      Sampler.Sample last;
      List<Sampler.Sample> samples;
      long start = System.nanoTime();
      try (Sampler sampler = new Sampler(pipeline, gc, produced, spec.samplePeriod())) {
        produce(pipeline.kafka(), job, spec, produced);
        produceNanos = System.nanoTime() - start;
        long deadline = start + spec.limit().toNanos();
        do {
          Thread.sleep(200);
          last = sampler.sample();
        } while (last.load().completed() < spec.requests()
            && System.nanoTime() < deadline
            && pipeline.failure() == null);
        drainNanos = System.nanoTime() - start;
        samples = sampler.samples();
      }
      long peakHeapAfterGc = gc.peakAfterGc();
      JvmMemory after = settledMemory();
      long heapAfter = gc.lastAfterGc();
      List<ProcessorPeaks> peaks = new ArrayList<>();
      for (ProcessorService p : pipeline.processors()) {
        EngineStats e = p.engine().stats();
        peaks.add(
            new ProcessorPeaks(
                p.config().instanceId(),
                p.config().maxInflightBatches(),
                p.stats().peakInFlightBatches(),
                p.stats().peakHeldRequests(),
                p.stats().peakWaitingRequests(),
                e.peakRunning(),
                e.peakBlocksUsed(),
                e.preemptions(),
                p.stats().completionsCommitted()));
      }
      Optional<JobStatus> status = awaitJob(pipeline, job, last.load().completed());
      return new LoadReport(
          spec,
          before,
          heapBefore,
          samples,
          peakHeapAfterGc,
          after,
          heapAfter,
          gc.collections(),
          produceNanos / 1e9,
          drainNanos / 1e9,
          peaks,
          status,
          pipeline.failure());
    }
  }

  private static KafkaSettings settings(Map<String, Object> brokerProperties, String scope) {
    Map<String, Object> m = new HashMap<>(brokerProperties);
    m.put("schema.registry.url", "mock://" + scope);
    return KafkaSettings.of(m);
  }

  /** Sends every request as fast as the producer takes them; the send buffer is what slows it. */
  private static void produce(KafkaSettings kafka, String job, Spec spec, AtomicLong produced) {
    Random rnd = new Random(42);
    SamplingParams params = SamplingParams.greedy(spec.maxTokens()).withIgnoreEos(true);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    try (PromptProducer producer = PromptProducer.builder(kafka).jobId(job).build()) {
      for (int i = 0; i < spec.requests(); i++) {
        int[] prompt = rnd.ints(8 + rnd.nextInt(17), 1, 512).toArray();
        producer
            .send(new PromptRequest("r" + i, null, null, prompt, params))
            .whenComplete(
                (sent, e) -> {
                  if (e != null) {
                    failed.compareAndSet(null, e);
                  }
                });
        produced.incrementAndGet();
      }
      producer.flush();
    }
    if (failed.get() != null) {
      throw new IllegalStateException(
          "queueing the requests failed: " + failed.get(), failed.get());
    }
  }

  /** Memory after a full collection and a moment to let it finish. */
  private static JvmMemory settledMemory() throws InterruptedException {
    System.gc();
    Thread.sleep(500);
    return JvmMemory.now();
  }

  private static Optional<JobStatus> awaitJob(DevCluster pipeline, String job, long completed)
      throws InterruptedException {
    Optional<JobStatus> status = Optional.empty();
    for (int i = 0; i < 60; i++) {
      status = pipeline.jobStatus(job);
      if (status.isPresent() && status.get().getCompleted() >= completed) {
        return status;
      }
      Thread.sleep(500);
    }
    return status;
  }
}

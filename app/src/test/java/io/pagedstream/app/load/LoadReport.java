package io.pagedstream.app.load;

import static io.pagedstream.app.load.JvmMemory.mib;

import io.pagedstream.app.load.BackpressureRun.ProcessorPeaks;
import io.pagedstream.app.load.BackpressureRun.Spec;
import io.pagedstream.schemas.avro.JobStatus;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The figures of one {@link BackpressureRun}: memory before, at its peak and after, how fast the
 * queue drained, and where the requests were when the most of them waited.
 *
 * @param heapBeforeAfterGc heap live in the idle pipeline (after a full collection)
 * @param peakHeapAfterGc the most heap any collection during the run left in use
 * @param failure why the pipeline stopped early, or null
 */
record LoadReport(
    Spec spec,
    JvmMemory before,
    long heapBeforeAfterGc,
    List<Sampler.Sample> samples,
    long peakHeapAfterGc,
    JvmMemory after,
    long heapAfterAfterGc,
    long collections,
    double produceSeconds,
    double drainSeconds,
    List<ProcessorPeaks> processors,
    Optional<JobStatus> job,
    String failure) {

  long completed() {
    return samples.isEmpty() ? 0 : samples.get(samples.size() - 1).load().completed();
  }

  long peakHeapUsed() {
    return samples.stream().mapToLong(s -> s.memory().heapUsedBytes()).max().orElse(-1);
  }

  long peakRss() {
    return samples.stream().mapToLong(s -> s.memory().rssBytes()).max().orElse(-1);
  }

  long peakOpenBatchesPerTask() {
    return samples.stream().mapToLong(s -> s.load().maxOpenBatchesPerTask()).max().orElse(0);
  }

  long peakBatcherOpenRequests() {
    return samples.stream().mapToLong(s -> s.load().batcherOpenRequests()).max().orElse(0);
  }

  long peakInMemory() {
    return samples.stream().mapToLong(s -> s.load().inMemory()).max().orElse(0);
  }

  /** The sample with the most requests queued in Kafka. */
  Optional<Sampler.Sample> deepestQueue() {
    return samples.stream().max(Comparator.comparingLong(Sampler.Sample::inKafka));
  }

  String text() {
    StringBuilder b = new StringBuilder();
    line(
        b,
        "backpressure run: %,d requests (token-id prompts of 8-24 tokens, max_tokens %d, greedy) queued at once;"
            + " %d processor(s), %d partitions, %d KV blocks and max-num-seqs %d per engine, batches of up to %d"
            + " requests, %d open batches per batcher task; model %s; limit %s",
        spec.requests(),
        spec.maxTokens(),
        spec.processors(),
        spec.partitions(),
        spec.kvBlocks(),
        spec.maxNumSeqs(),
        spec.maxBatchRequests(),
        spec.batcher().maxOpenBatches(),
        spec.model().getFileName(),
        spec.limit());
    line(
        b,
        "JVM: max heap %s, %d cores; everything in one JVM (broker, batcher, jobs, processors, producer)",
        mib(Runtime.getRuntime().maxMemory()),
        Runtime.getRuntime().availableProcessors());
    line(
        b,
        "queued in %.1f s; %s %,d of %,d answered in %.1f s (%.0f requests/s)%s",
        produceSeconds,
        completed() >= spec.requests() ? "drained:" : "stopped at the limit:",
        completed(),
        spec.requests(),
        drainSeconds,
        completed() / drainSeconds,
        failure == null ? "" : "; FAILED: " + failure);
    job.ifPresent(
        j ->
            line(
                b,
                "job status (llm.jobs): %,d submitted, %,d completed, %,d failed, %,d output tokens",
                j.getSubmitted(),
                j.getCompleted(),
                j.getFailed(),
                j.getOutputTokens()));
    line(
        b,
        "heap live (after GC): before %s, peak during the run %s, after %s (%d collections)",
        mib(heapBeforeAfterGc),
        mib(peakHeapAfterGc),
        mib(heapAfterAfterGc),
        collections);
    line(
        b,
        "heap used (sampled, garbage included): before %s, peak %s, after %s; committed peak %s",
        mib(before.heapUsedBytes()),
        mib(peakHeapUsed()),
        mib(after.heapUsedBytes()),
        mib(samples.stream().mapToLong(s -> s.memory().heapCommittedBytes()).max().orElse(-1)));
    line(
        b,
        "RSS: before %s, peak sampled %s, after %s, high-water mark (VmHWM) %s",
        mib(before.rssBytes()),
        mib(peakRss()),
        mib(after.rssBytes()),
        mib(after.peakRssBytes()));
    deepestQueue()
        .ifPresent(
            s ->
                line(
                    b,
                    "deepest queue at %.1f s: %,d requests in Kafka vs %,d in memory (%,d in the engines, %d batches in flight,"
                        + " %,d in open batches), %,d answered",
                    s.elapsedMs() / 1000.0,
                    s.inKafka(),
                    s.load().inMemory(),
                    s.load().processorHeld(),
                    s.load().inFlightBatches(),
                    s.load().batcherOpenRequests(),
                    s.load().completed()));
    line(
        b,
        "in memory at most: %,d requests (batcher open batches at most %,d requests, %d batches per task)",
        peakInMemory(),
        peakBatcherOpenRequests(),
        peakOpenBatchesPerTask());
    for (ProcessorPeaks p : processors) {
      line(
          b,
          "processor %s: held at most %d requests (%d waiting), %d of %d batches in flight; engine peak %d"
              + " running, %d KV blocks, %d preemptions; %,d completions",
          p.instance(),
          p.peakHeldRequests(),
          p.peakWaitingRequests(),
          p.peakInFlightBatches(),
          p.maxInFlightBatches(),
          p.peakRunning(),
          p.peakKvBlocks(),
          p.preemptions(),
          p.completions());
    }
    line(
        b,
        "timeline (s: answered / in Kafka / in memory / heap live at the last GC / heap used / RSS):");
    int step = Math.max(1, samples.size() / 16);
    for (int i = 0; i < samples.size(); i += step) {
      Sampler.Sample s = samples.get(i);
      line(
          b,
          "  %6.1f: %,9d / %,9d / %,6d / %s / %s / %s",
          s.elapsedMs() / 1000.0,
          s.load().completed(),
          s.inKafka(),
          s.load().inMemory(),
          mib(s.heapAfterLastGc()),
          mib(s.memory().heapUsedBytes()),
          mib(s.memory().rssBytes()));
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String format, Object... args) {
    b.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}

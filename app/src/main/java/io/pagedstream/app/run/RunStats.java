package io.pagedstream.app.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.engine.EngineStats;
import io.pagedstream.processor.LoopTimes;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.processor.ProcessorStats;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code run --stats}: the figures {@code generate --stats} has, for a pipeline run, plus where the
 * pipeline's time went. {@code output_tokens_per_second} runs from the first submission (ingest
 * starts) to the last completion read back; {@code wall_seconds} from the command's start, the
 * pipeline's start-up included; engine figures are summed over the processors, and each processor's
 * loop time is split by {@link LoopTimes.Phase}.
 *
 * <p>The command marks the moments as they pass, on one thread; {@link #json} reads the processors'
 * counters at the end.
 */
public final class RunStats {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final long startNanos;
  private long pipelineUpNanos;
  private long firstSubmissionNanos;
  private long ingestedNanos;
  private long lastCompletionNanos;

  private RunStats(long startNanos) {
    this.startNanos = startNanos;
  }

  /** Starts the clock: the command's start. */
  public static RunStats startingAt(long nanos) {
    return new RunStats(nanos);
  }

  /** The broker, batcher and processors are up. */
  public void pipelineUp() {
    pipelineUpNanos = System.nanoTime();
  }

  /** Ingest starts writing requests. */
  public void firstSubmission() {
    firstSubmissionNanos = System.nanoTime();
  }

  /** Ingest has committed the whole file. */
  public void ingested() {
    ingestedNanos = System.nanoTime();
  }

  /** Every expected result has been read back. */
  public void lastCompletion() {
    lastCompletionNanos = System.nanoTime();
  }

  /** The stats, as {@code generate --stats} names them where they mean the same. */
  public ObjectNode json(
      String jobId,
      int requests,
      CompletionCollector.Outcome outcome,
      List<ProcessorService> processors,
      int partitions) {
    long end = System.nanoTime();
    double processing = seconds(firstSubmissionNanos, lastCompletionNanos);
    long tokens = generatedTokens(processors);
    long completions = 0;
    for (ProcessorService p : processors) {
      completions += p.stats().completionsCommitted();
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("job_id", jobId);
    o.put("requests", requests);
    o.put("results", outcome.results());
    o.put("errors", outcome.errors());
    o.put("cached", outcome.cached());
    // a resumed job: results an earlier process committed, and what this one generated
    o.put("resumed_results", outcome.earlierResults());
    o.put("generated_completions", completions);
    o.put("output_tokens", tokens);
    o.put("elapsed_s", processing);
    o.put("output_tokens_per_second", tokens / Math.max(processing, 1e-9));
    double wall = seconds(startNanos, end);
    o.put("wall_seconds", wall);
    o.put("output_tokens_per_second_wall", tokens / Math.max(wall, 1e-9));
    long promptTokens = 0;
    long hits = 0;
    long preemptions = 0;
    long steps = 0;
    for (ProcessorService p : processors) {
      EngineStats s = p.engine().stats();
      promptTokens += s.promptTokens();
      hits += s.prefixCacheHitTokens();
      preemptions += s.preemptions();
      steps += s.steps();
    }
    o.put("prompt_tokens", promptTokens);
    o.put("prefix_cache_hit_tokens", hits);
    o.put("preemptions", preemptions);
    o.put("steps", steps);
    o.put("processors", processors.size());
    o.put("partitions", partitions);
    ObjectNode split = o.putObject("time_split_s");
    split.put("start_up", seconds(startNanos, pipelineUpNanos));
    split.put("ingest", seconds(firstSubmissionNanos, ingestedNanos));
    split.put("first_submission_to_last_completion", processing);
    split.put("shut_down_and_report", seconds(lastCompletionNanos, end));
    ArrayNode each = o.putArray("per_processor");
    for (ProcessorService p : processors) {
      each.add(processorJson(p));
    }
    return o;
  }

  /**
   * Output tokens this process's processors generated (not those of results an earlier run
   * committed).
   */
  public static long generatedTokens(List<ProcessorService> processors) {
    long tokens = 0;
    for (ProcessorService p : processors) {
      tokens += p.stats().outputTokens();
    }
    return tokens;
  }

  private static ObjectNode processorJson(ProcessorService p) {
    ProcessorStats st = p.stats();
    EngineStats es = p.engine().stats();
    ObjectNode o = JSON.createObjectNode();
    o.put("instance", p.config().instanceId());
    o.put("threads", p.config().threads());
    o.put("output_tokens", st.outputTokens());
    o.put("prompt_tokens", es.promptTokens());
    o.put("prefix_cache_hit_tokens", es.prefixCacheHitTokens());
    o.put("batches", st.batchesTaken());
    o.put(
        "mean_batch_requests",
        st.batchesTaken() == 0 ? 0 : (double) st.completionsCommitted() / st.batchesTaken());
    o.put("transactions", st.transactions());
    o.put("peak_running", es.peakRunning());
    o.put("peak_waiting", st.peakWaitingRequests());
    o.put("engine_steps", es.steps());
    o.put("forward_s", es.forwardSeconds());
    ObjectNode loop = o.putObject("loop_s");
    for (Map.Entry<LoopTimes.Phase, Double> e : st.times().seconds().entrySet()) {
      loop.put(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
    }
    return o;
  }

  private static double seconds(long from, long to) {
    return from == 0 || to == 0 ? 0 : Math.max(0, to - from) / 1e9;
  }
}

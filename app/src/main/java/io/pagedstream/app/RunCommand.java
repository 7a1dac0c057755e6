package io.pagedstream.app;

import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.app.run.DataDir;
import io.pagedstream.app.run.RunStats;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.IngestSummary;
import io.pagedstream.ingest.JobIds;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.processor.ProcessorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pagedstream run}: a JSONL file through the whole Kafka pipeline, results to a JSONL file.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run a bulk job through the Kafka pipeline: ingest -> llm.requests -> batcher -> llm.batches -> "
            + "N processors -> llm.completions -> results file (same lines as generate, in input order). Without "
            + "--bootstrap-servers a single-node KRaft broker runs in this process and keeps its data in --data-dir "
            + "(default: pagedstream-data beside the input), so the same command started again after a crash "
            + "resumes the job. Exits 0 when every input line has exactly one result.")
final class RunCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "model folder")
  Path model;

  @Option(names = "--input", required = true, description = "requests, one JSON object per line")
  Path input;

  @Option(names = "--output", required = true, description = "results file")
  Path output;

  @Option(
      names = "--errors",
      description =
          "also write the failed lines' results to this file (as OpenAI's batch error file)")
  Path errors;

  @Option(
      names = "--served-model-name",
      description =
          "the model name OpenAI batch lines must give in body.model "
              + "(default: the model folder's name)")
  String servedModelName;

  @Option(
      names = "--processors",
      defaultValue = "1",
      description = "processor instances in this process (default: ${DEFAULT-VALUE})")
  int processors;

  @Option(
      names = "--partitions",
      defaultValue = "4",
      description =
          "partitions of the pipeline's topics when created here (default: ${DEFAULT-VALUE})")
  int partitions;

  @Option(
      names = "--job-id",
      description =
          "the job's id; the same id resumes a job (default: derived from the "
              + "input's path with a data directory, else generated)")
  String jobId;

  @Option(
      names = "--data-dir",
      description =
          "where the embedded broker keeps the job (log, schemas, offsets) "
              + "across processes (default: pagedstream-data beside the input)")
  Path dataDir;

  @Option(
      names = "--ephemeral",
      description =
          "a throwaway run: the embedded broker's data lives in a temporary "
              + "directory deleted at exit, so there is nothing to resume")
  boolean ephemeral;

  @Option(
      names = "--max-batch-requests",
      defaultValue = "256",
      description = "requests per batch at most (default: ${DEFAULT-VALUE})")
  int maxBatchRequests;

  @Option(
      names = "--flush-ms",
      defaultValue = "100",
      description = "send a batch this long after it opened (default: ${DEFAULT-VALUE})")
  long flushMs;

  @Option(
      names = "--prefix-blocks",
      defaultValue = "1",
      description =
          "leading full KV blocks of a prompt that key "
              + "prefix-aware batching and routing: requests sharing them go to the same partition and processor; 0 routes "
              + "batches by batch id only (default: ${DEFAULT-VALUE})")
  int prefixBlocks;

  @Option(
      names = "--stats",
      description =
          "write run statistics as JSON to this file (generate's figures, "
              + "tokens/s from first submission to last completion, wall_seconds with start-up, the pipeline's time split; a resumed run counts only the tokens it generated)")
  Path stats;

  @Option(names = "--quiet", description = "no progress bar")
  boolean quiet;

  @Mixin KafkaOptions kafka;

  @Mixin EngineOptions engineOptions;

  @Override
  public Integer call() throws Exception {
    RunStats timeline = RunStats.startingAt(System.nanoTime());
    if (processors < 1 || partitions < 1) {
      throw new IllegalArgumentException("--processors and --partitions must be at least 1");
    }
    if (kafka.hasCluster() && (dataDir != null || ephemeral)) {
      throw new IllegalArgumentException(
          "--data-dir and --ephemeral are for the embedded broker; a cluster keeps its own data");
    }
    if (dataDir != null && ephemeral) {
      throw new IllegalArgumentException("give --data-dir or --ephemeral, not both");
    }
    EngineConfig engine = engineOptions.toConfig(ModelSpec.load(model), KvLayout.PAGED);
    List<String> ids = ResultIds.forInput(input);
    boolean durable = !kafka.hasCluster() && !ephemeral;
    String job = jobId != null ? jobId : durable ? RunDefaults.jobIdFor(input) : JobIds.generate();
    List<ProcessorConfig> configs = new ArrayList<>();
    for (int i = 0; i < processors; i++) {
      configs.add(
          ProcessorConfig.defaults(model, engine, "run-" + i).withThreads(engineOptions.threads()));
    }
    long start = System.nanoTime();
    try (DataDir data =
            durable
                ? openDataDir(dataDir != null ? dataDir : RunDefaults.dataDirFor(input), job)
                : null;
        DevCluster pipeline =
            kafka
                .devCluster(data, "run-" + UUID.randomUUID())
                .partitions(partitions)
                .batcher(
                    BatcherCommand.configFor(
                            model, engine, maxBatchRequests, Duration.ofMillis(flushMs))
                        .withPrefixBlocks(prefixBlocks)
                        .withServedModelName(servedModelName),
                    true)
                .processors(configs)
                .start();
        ResultFiles out = ResultFiles.open(output.toString(), errors);
        Progress progress = Progress.start("run", ids.size(), quiet)) {
      if (data != null) {
        data.recordBrokerAddress(pipeline.bootstrapServers());
      }
      timeline.pipelineUp();
      timeline.firstSubmission();
      IngestSummary ingested =
          new JsonlIngest(pipeline.kafka(), IngestConfig.ofFile(input).withJobId(job)).run();
      timeline.ingested();
      CompletionCollector.Outcome outcome =
          new CompletionCollector(pipeline.kafka(), job, pipeline.completionsWrittenBefore())
              .collect(
                  ids,
                  out,
                  (done, tokens) -> progress.update(done, tokens, start),
                  () -> pipeline.failure() == null);
      timeline.lastCompletion();
      out.flush();
      progress.close();
      double elapsed = (System.nanoTime() - start) / 1e9;
      long generated = RunStats.generatedTokens(pipeline.processors());
      if (outcome.earlierResults() > 0) {
        System.err.printf(
            "job %s resumed: %d results were committed by an earlier run; this run answered %d%n",
            job, outcome.earlierResults(), outcome.results() - outcome.earlierResults());
      }
      System.err.printf(
          "job %s: %d lines, %d results (%d errors, %d from the response cache), %d output tokens generated in %.2f s: %.1f tok/s%n",
          job,
          ingested.lines(),
          outcome.results(),
          outcome.errors(),
          outcome.cached(),
          generated,
          elapsed,
          generated / elapsed);
      if (stats != null) {
        Files.writeString(
            stats,
            timeline
                    .json(job, ids.size(), outcome, pipeline.processors(), partitions)
                    .toPrettyString()
                + "\n");
      }
      // the jobs aggregation publishes within a second or so of the last completion
      for (int i = 0; i < 20; i++) {
        var st = pipeline.jobStatus(job);
        if (st.isPresent() && st.get().getCompleted() >= outcome.results()) {
          System.err.println(JobReport.text(st.get()));
          break;
        }
        Thread.sleep(250);
      }
      if (!outcome.missing().isEmpty() || outcome.duplicates() > 0) {
        String why = pipeline.failure() != null ? pipeline.failure() : "results missing";
        throw new IllegalStateException(
            why
                + ": "
                + outcome.missing().size()
                + " lines without a result, "
                + outcome.duplicates()
                + " duplicated");
      }
    }
    return 0;
  }

  /**
   * Opens the job's data directory and says where it is: the place to look, or to delete, later.
   */
  private static DataDir openDataDir(Path dir, String job) {
    DataDir data = DataDir.open(dir, Version.text());
    System.err.printf(
        "job %s, data in %s: after a crash the same command resumes it (--ephemeral: keep nothing)%n",
        job, data.path());
    return data;
  }
}

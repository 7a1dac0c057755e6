package io.pagedstream.app;

import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.IngestSummary;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.ingest.TopicNames;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagedstream ingest}: a JSONL file or stdin onto the pipeline's topics. Prints the summary
 * as one JSON line on stdout (with the job id, for scripts) and one readable line on stderr. Exits
 * 0 when every line was written, including lines that became error results: those are results, not
 * failures. Anything else (Kafka, registry, unreadable input) throws, and the launcher prints the
 * one-line reason and exits non-zero.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description =
        "Send a JSONL file of requests to Kafka: valid requests to the requests topic, "
            + "an error result to the completions topic for every line that cannot run.")
final class IngestCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      description = "requests, one JSON object per line ('-' for stdin)")
  String input;

  @Option(
      names = "--job-id",
      description =
          "job of requests that name none; also resumes that job's ingest of "
              + "the same input after a failure (default: generated, printed in the summary)")
  String jobId;

  @Option(
      names = "--transactional-id",
      description = "default: pagedstream-ingest.<job id>.<file name or stdin>")
  String transactionalId;

  @Option(
      names = "--no-transactions",
      description = "idempotent producer only: no atomic chunks, no resume")
  boolean noTransactions;

  @Option(
      names = "--chunk-lines",
      defaultValue = "" + IngestConfig.DEFAULT_CHUNK_LINES,
      description = "lines per transaction at most (default: ${DEFAULT-VALUE})")
  int chunkLines;

  @Option(
      names = "--chunk-max-ms",
      defaultValue = "5000",
      description =
          "commit a transaction at the latest this long after its first line (default: ${DEFAULT-VALUE})")
  long chunkMaxMs;

  @Option(
      names = "--requests-topic",
      defaultValue = Topics.REQUESTS,
      description = "default: ${DEFAULT-VALUE}")
  String requestsTopic;

  @Option(
      names = "--completions-topic",
      defaultValue = Topics.COMPLETIONS,
      description = "default: ${DEFAULT-VALUE}")
  String completionsTopic;

  @Option(
      names = "--progress-topic",
      defaultValue = Topics.INGEST_PROGRESS,
      description = "default: ${DEFAULT-VALUE}")
  String progressTopic;

  @Mixin KafkaOptions kafkaOptions;

  @Override
  public Integer call() {
    KafkaSettings kafka = kafkaOptions.settings();
    IngestConfig config =
        new IngestConfig(
            input.equals("-") ? null : Path.of(input),
            jobId,
            transactionalId,
            !noTransactions,
            chunkLines,
            Duration.ofMillis(chunkMaxMs),
            new TopicNames(requestsTopic, completionsTopic, progressTopic));
    IngestSummary summary = new JsonlIngest(kafka, config).run();
    spec.commandLine().getOut().println(summary.toJson());
    spec.commandLine().getOut().flush();
    spec.commandLine().getErr().println("ingest: " + summary.describe());
    return 0;
  }
}

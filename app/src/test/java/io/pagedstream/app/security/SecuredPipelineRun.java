package io.pagedstream.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.schemas.KafkaSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * A job through the pipeline on a secured broker, each service started as an operator would with
 * nothing but its own {@code --kafka-config} file: the batcher (with the jobs aggregation) and
 * ingest as JVMs of their own, with Kafka's configuration dumps on; a processor in this JVM, its
 * logs captured; the results read back as the reader.
 *
 * <pre>
 *   ingest (child JVM) -> [llm.requests] -> batcher (child JVM) -> [llm.batches]
 *     -> processor (this JVM) -> [llm.completions] -> CompletionCollector (reader's file)
 * </pre>
 */
final class SecuredPipelineRun {

  /** The services' --kafka-config files, one identity each. */
  record ClientFiles(Path batcher, Path processor, Path ingest, Path reader) {
    ClientFiles {
      Objects.requireNonNull(batcher, "batcher");
      Objects.requireNonNull(processor, "processor");
      Objects.requireNonNull(ingest, "ingest");
      Objects.requireNonNull(reader, "reader");
    }
  }

  /**
   * What the run gave.
   *
   * @param whileRunning what {@code whileRunning} returned, with every service still up
   * @param inProcessOutput what this JVM printed meanwhile (the processor's logs)
   */
  record Result(
      CompletionCollector.Outcome outcome,
      ChildJvm.Result ingest,
      ChildJvm.Result batcher,
      String whileRunning,
      String inProcessOutput) {}

  private static final List<String> CONFIG_DUMPS =
      List.of("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=info");

  private SecuredPipelineRun() {}

  /**
   * Runs job {@code job} of {@code input} (whose ids are {@code ids}) and asserts that ingest
   * succeeded; {@code whileRunning} runs once every result is in, before the services stop.
   */
  static Result run(
      Path dir,
      Path model,
      String instanceId,
      ClientFiles files,
      Path input,
      List<String> ids,
      String job,
      Callable<String> whileRunning)
      throws Exception {
    ChildJvm batcher = null;
    CommandRun processor = null;
    CompletionCollector.Outcome outcome;
    String during;
    ChildJvm.Result ingest;
    ChildJvm.Result batcherRun;
    try (CapturedOutput captured = CapturedOutput.start()) {
      try {
        batcher =
            ChildJvm.start(
                dir.resolve("batcher.log"),
                CONFIG_DUMPS,
                "batcher",
                "--model",
                model.toString(),
                "--kafka-config",
                files.batcher().toString(),
                "--kv-blocks",
                "128",
                "--max-batch-requests",
                "8",
                "--flush-ms",
                "100");
        processor =
            CommandRun.start(
                "processor",
                "--model",
                model.toString(),
                "--instance-id",
                instanceId,
                "--kafka-config",
                files.processor().toString(),
                "--kv-blocks",
                "128",
                "--max-num-seqs",
                "16");
        ingest =
            ChildJvm.run(
                dir.resolve("ingest.log"),
                Duration.ofMinutes(3),
                CONFIG_DUMPS,
                "ingest",
                "--kafka-config",
                files.ingest().toString(),
                "--input",
                input.toString(),
                "--job-id",
                job);
        assertThat(ingest.exitCode()).as(ingest.output()).isZero();

        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        ChildJvm b = batcher;
        CommandRun p = processor;
        outcome =
            new CompletionCollector(KafkaSettings.of(null, files.reader()), job)
                .collect(
                    ids,
                    r -> {},
                    (n, t) -> {},
                    () -> System.nanoTime() < deadline && b.isAlive() && p.isRunning());
        during = whileRunning.call();
      } finally {
        if (processor != null) {
          processor.stop();
        }
        batcherRun = batcher == null ? null : batcher.stop(Duration.ofMinutes(2));
      }
      return new Result(outcome, ingest, batcherRun, during, captured.text());
    }
  }

  /**
   * {@code n} small greedy requests of random token ids, ids {@code prefix}0.. ; returns the ids.
   */
  static List<String> writeRequests(Path file, int n, String prefix, long seed) throws IOException {
    Random rnd = new Random(seed);
    StringBuilder lines = new StringBuilder();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = prefix + i;
      ids.add(id);
      lines
          .append("{\"id\":\"")
          .append(id)
          .append("\",\"prompt_token_ids\":")
          .append(Arrays.toString(rnd.ints(1 + rnd.nextInt(12), 1, 512).toArray()))
          .append(",\"max_tokens\":6,\"temperature\":0,\"ignore_eos\":true}\n");
    }
    Files.writeString(file, lines);
    return ids;
  }
}

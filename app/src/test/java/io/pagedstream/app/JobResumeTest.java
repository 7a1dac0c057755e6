package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job stopped half-way (processors killed mid-batch) and submitted again: every request ends with
 * exactly one result, and what was answered before is not generated again.
 */
class JobResumeTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final int REQUESTS = 48;
  private static final int TOKENS = 40;

  @TempDir Path dir;

  private static DevCluster pipeline(EmbeddedKafka broker, KafkaSettings kafka, String instance)
      throws InterruptedException {
    // one sequence at a time: the job takes dozens of transactions, so the kill lands mid-way
    // even now that a processor prefetches every batch and commits when its engine runs dry
    EngineConfig engine = EngineConfig.defaults(256).withMaxNumSeqs(1);
    return DevCluster.builder()
        .externalCluster(kafka)
        .partitions(4)
        .batcher(BatcherCommand.configFor(MODEL, engine, 4, Duration.ofMillis(50)), true)
        .processors(List.of(ProcessorConfig.defaults(MODEL, engine, instance)))
        .start();
  }

  @Test
  void aJobResubmittedAfterACrashCostsOnlyWhatWasMissing() throws Exception {
    Random rnd = new Random(4);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < REQUESTS; i++) {
      lines
          .append("{\"id\":\"q")
          .append(i)
          .append("\",\"prompt_token_ids\":")
          .append(java.util.Arrays.toString(rnd.ints(1 + rnd.nextInt(30), 1, 512).toArray()))
          .append(",\"max_tokens\":")
          .append(TOKENS)
          .append(",\"temperature\":0,\"ignore_eos\":true}\n");
    }
    Path input = dir.resolve("job.jsonl");
    Files.writeString(input, lines);
    List<String> ids = ResultIds.forInput(input);
    String job = "resume-" + UUID.randomUUID();
    try (EmbeddedKafka broker = EmbeddedKafka.builder().defaultPartitions(4).start()) {
      Map<String, Object> props = new HashMap<>(broker.clientProperties());
      props.put("schema.registry.url", "mock://job-resume-" + UUID.randomUUID());
      props.put("session.timeout.ms", 10_000);
      KafkaSettings kafka = KafkaSettings.of(props);

      long firstRunTokens;
      long firstRunCommitted;
      try (DevCluster first = pipeline(broker, kafka, "slot-0")) {
        new JsonlIngest(kafka, IngestConfig.ofFile(input).withJobId(job)).run();
        ProcessorService p = first.processors().get(0);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (p.stats().completionsCommitted() < REQUESTS / 2 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        // everything stops, the processor abruptly: its open batches are not committed
        first.killProcessors();
        firstRunTokens = p.stats().outputTokens();
        firstRunCommitted = p.stats().completionsCommitted();
      }
      assertThat(firstRunCommitted).isBetween((long) REQUESTS / 2, (long) REQUESTS - 1);

      try (DevCluster second = pipeline(broker, kafka, "slot-0")) {
        // the whole file again, under a new transactional id so that every line is really re-sent
        new JsonlIngest(
                kafka,
                IngestConfig.ofFile(input).withJobId(job).withTransactionalId("resubmit-" + job))
            .run();
        List<String> out = new ArrayList<>();
        CompletionCollector.Outcome outcome =
            new CompletionCollector(kafka, job)
                .collect(ids, r -> out.add(r.id()), (n, t) -> {}, () -> second.failure() == null);
        assertThat(outcome.missing()).isEmpty();
        assertThat(outcome.duplicates()).isZero();
        assertThat(out).containsExactlyElementsOf(ids);
        ProcessorService p = second.processors().get(0);
        // only the missing part was generated again: what the first run committed was skipped
        assertThat(p.stats().completionsCommitted()).isEqualTo(REQUESTS - firstRunCommitted);
        assertThat(p.stats().outputTokens())
            .isLessThanOrEqualTo((REQUESTS - firstRunCommitted) * TOKENS);
        JobStatus status = awaitCompleted(second, job);
        assertThat(status.getSubmitted()).isEqualTo(REQUESTS);
        assertThat(status.getResubmitted()).isEqualTo(REQUESTS);
        assertThat(status.getCompleted()).isEqualTo(REQUESTS);
        assertThat(status.getOutputTokens()).isEqualTo((long) REQUESTS * TOKENS);
        System.out.printf(
            "first run: %d completions committed (%d tokens generated), second run: %d completions, %d tokens%n",
            firstRunCommitted,
            firstRunTokens,
            p.stats().completionsCommitted(),
            p.stats().outputTokens());
      }
    }
  }

  /**
   * The aggregation counts answers and (re-)submissions from two topics: wait for both to be in.
   */
  private static JobStatus awaitCompleted(DevCluster pipeline, String job)
      throws InterruptedException {
    JobStatus last = null;
    for (int i = 0; i < 120; i++) {
      last = pipeline.jobStatus(job).orElse(null);
      if (last != null
          && last.getCompleted() >= REQUESTS
          && last.getSubmitted() + last.getResubmitted() >= 2L * REQUESTS) {
        return last;
      }
      Thread.sleep(500);
    }
    return last;
  }
}

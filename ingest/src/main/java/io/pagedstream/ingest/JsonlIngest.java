package io.pagedstream.ingest;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingests a JSONL file or stdin: every line ends as exactly one record, a {@code GenerationRequest}
 * on the requests topic (key = request id) or an error {@code Completion} on the completions topic
 * (key = the line's id or {@code line-N}). See the package documentation for the rules and the
 * delivery guarantees.
 *
 * <pre>{@code
 * KafkaSettings kafka = KafkaSettings.of("broker:9092", Path.of("client.properties"));
 * IngestSummary s = new JsonlIngest(kafka, IngestConfig.ofFile(Path.of("prompts.jsonl"))
 *     .withJobId("eval-2025-03")).run();
 * System.err.println(s.describe());
 * }</pre>
 */
public final class JsonlIngest {

  private static final Logger LOG = LoggerFactory.getLogger(JsonlIngest.class);

  /**
   * Parsed lines waiting for the producer: enough to keep it busy, small enough for big prompts.
   */
  private static final int QUEUE_LINES = 512;

  private final KafkaSettings kafka;
  private final IngestConfig config;
  private final Clock clock;

  /** {@code kafka} also carries the schema registry settings ({@code schema.registry.url}, ...). */
  public JsonlIngest(KafkaSettings kafka, IngestConfig config) {
    this(kafka, config, Clock.systemUTC());
  }

  JsonlIngest(KafkaSettings kafka, IngestConfig config, Clock clock) {
    this.kafka = kafka;
    this.config = config;
    this.clock = clock;
  }

  /** Reads the configured file, or stdin (which is left open). */
  public IngestSummary run() {
    if (config.readsStdin()) {
      return run(System.in, config.sourceName());
    }
    try (InputStream in = Files.newInputStream(config.input())) {
      return run(in, config.sourceName());
    } catch (NoSuchFileException e) {
      throw new IngestException("input file " + config.input() + " does not exist", e);
    } catch (IOException e) {
      throw new IngestException("cannot read " + config.input() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads {@code in} to its end. {@code sourceName} names the input in progress records, in the
   * derived transactional id and in messages; the stream is not closed.
   */
  public IngestSummary run(InputStream in, String sourceName) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(sourceName, "sourceName");
    long started = System.nanoTime();
    SchemaRegistryConfig registry = RegistrySettings.from(kafka);
    Serializer<SpecificRecord> serializer = RegistrySettings.serializer(registry);
    TopicNames topics = config.topics();
    int topicLimit = topics.preflight(kafka);

    String jobId = config.jobId();
    String transactionalId = null;
    if (config.transactional()) {
      transactionalId = config.transactionalId();
      if (transactionalId == null) {
        jobId = jobId != null ? jobId : JobIds.generate(clock, RandomGenerator.getDefault());
        transactionalId = "pagedstream-ingest." + jobId + "." + sourceName;
      }
      topics.ensureProgressTopic(kafka);
    }
    Map<String, Object> producerConfig = ProducerSettings.bulk(kafka, transactionalId);
    int transactionTimeoutMs = ProducerSettings.transactionTimeoutMs(producerConfig);
    if (config.transactional() && config.chunkMaxAge().toMillis() * 2 > transactionTimeoutMs) {
      throw new IngestException(
          "chunk max age "
              + config.chunkMaxAge().toMillis()
              + " ms must be under half"
              + " the transaction timeout (transaction.timeout.ms="
              + transactionTimeoutMs
              + ")");
    }
    int maxRecordBytes = Math.min(topicLimit, ProducerSettings.maxRequestSize(producerConfig));

    try (RecordWriter writer = new RecordWriter(producerConfig)) {
      ProgressStore progress = null;
      IngestProgress resumeFrom = null;
      if (transactionalId != null) {
        initTransactions(writer, transactionalId);
        progress = new ProgressStore(kafka, topics.progress());
        resumeFrom =
            progress
                .load(transactionalId, Duration.ofMillis(transactionTimeoutMs + 60_000L))
                .orElse(null);
        if (resumeFrom != null) {
          if (jobId != null && !jobId.equals(resumeFrom.jobId())) {
            throw new IngestException(
                "transactional id "
                    + transactionalId
                    + " belongs to job "
                    + resumeFrom.jobId()
                    + ", not "
                    + jobId);
          }
          jobId = resumeFrom.jobId();
        }
      }
      if (jobId == null) {
        jobId = JobIds.generate(clock, RandomGenerator.getDefault());
      }
      String hint =
          transactionalId == null
              ? ""
              : "; run again with "
                  + (config.transactionalId() != null
                      ? "--transactional-id " + transactionalId
                      : "--job-id " + jobId)
                  + " to resume";
      LOG.info(
          "Ingesting {} as job {} ({}){}",
          sourceName,
          jobId,
          transactionalId == null
              ? "idempotent, not transactional"
              : "transactional id " + transactionalId,
          resumeFrom == null ? "" : ", resuming after line " + resumeFrom.lines());
      IngestRun.Plan plan =
          new IngestRun.Plan(
              jobId,
              transactionalId,
              sourceName,
              resumeFrom,
              config.chunkLines(),
              config.chunkMaxAge(),
              hint);
      LineRouter router = new LineRouter(serializer, topics, maxRecordBytes, clock, jobId);
      try (LineSource lines = LineSource.start(in, QUEUE_LINES)) {
        IngestSummary summary =
            new IngestRun(writer, router, progress, plan, clock).execute(lines, started);
        LOG.info("Ingest done: {}", summary.describe());
        return summary;
      }
    } catch (KafkaException e) {
      throw new IngestException(
          "Kafka at " + kafka.bootstrapServers() + " failed: " + OneLine.of(e), e);
    }
  }

  private static void initTransactions(RecordWriter writer, String transactionalId) {
    try {
      writer.initTransactions();
    } catch (KafkaException e) {
      throw new IngestException(
          "cannot start transactions as " + transactionalId + ": " + OneLine.of(e), e);
    }
  }
}

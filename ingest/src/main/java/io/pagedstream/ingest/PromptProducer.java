package io.pagedstream.ingest;

import io.pagedstream.core.OneLine;
import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.RequestParser;
import io.pagedstream.core.request.RequestValidator;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;

/**
 * Sends prompts from your own code, with the same checks and records as the ingest command: a
 * request that passes goes to the requests topic for the batcher, one that cannot run on any model
 * becomes an error result on the completions topic at once. Either way each call ends in exactly
 * one record, keyed by the request id. Thread-safe.
 *
 * <pre>{@code
 * KafkaSettings kafka = KafkaSettings.of("broker:9092", Path.of("client.properties"));
 * try (PromptProducer prompts = PromptProducer.builder(kafka).jobId("nightly-eval").build()) {
 *   prompts.send(new PromptRequest("q-1", null, "Once upon a time", null, SamplingParams.greedy(64)));
 *   prompts.sendJson("{\"id\": \"q-2\", \"prompt_token_ids\": [1, 15043], \"max_tokens\": 32}");
 *   prompts.reject("q-3", "template variable 'name' is missing"); // an error result of your own
 *   prompts.flush();
 * }
 * }</pre>
 *
 * <p>Delivery: idempotent with {@code acks=all}, so retries never duplicate or reorder a record,
 * but no transactions: a program that crashes and sends everything again sends duplicates. Ids are
 * not checked for uniqueness (that would need memory growing with every call); keep them unique
 * within a job. For files with resume after a crash, use {@link JsonlIngest}.
 */
public final class PromptProducer implements AutoCloseable {

  private final RecordWriter writer;
  private final LineRouter records;
  private final String jobId;
  private final AtomicLong lines = new AtomicLong();

  private PromptProducer(RecordWriter writer, LineRouter records, String jobId) {
    this.writer = writer;
    this.records = records;
    this.jobId = jobId;
  }

  /**
   * {@code kafka}: bootstrap servers and client settings, usually with the registry settings too.
   */
  public static Builder builder(KafkaSettings kafka) {
    return new Builder(Objects.requireNonNull(kafka, "kafka"));
  }

  /** The job of requests that name none. */
  public String jobId() {
    return jobId;
  }

  /**
   * Sends a request; its job is its own or {@link #jobId()}. The future completes once Kafka has
   * the record (all in-sync replicas), and tells whether it was a request or an error result.
   *
   * @throws IllegalArgumentException when the id is empty or longer than {@value
   *     RequestValidator#MAX_ID_CHARS} characters: without a usable id there is no key for any
   *     result
   */
  public CompletableFuture<Sent> send(PromptRequest request) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(request.params(), "request.params");
    Optional<String> idProblem = RequestValidator.idProblem(request.id());
    if (idProblem.isPresent()) {
      throw new IllegalArgumentException(idProblem.get());
    }
    return write(records.request(request));
  }

  /**
   * Parses one JSONL request line and sends it, or its error result. A line without a usable id is
   * keyed {@code line-N}, N counting this producer's {@code sendJson} calls from 1.
   */
  public CompletableFuture<Sent> sendJson(String line) {
    return sendJson(line, lines.incrementAndGet());
  }

  /** Like {@link #sendJson(String)}, with the line number that names a line without a usable id. */
  public CompletableFuture<Sent> sendJson(String line, long lineNumber) {
    return write(
        records.routeAlone(lineNumber, RequestParser.parse(line == null ? "" : line, lineNumber)));
  }

  /**
   * Records that request {@code id} failed before it could be sent (a template that did not render,
   * a source row that could not be read): an error result with {@code error}'s first line.
   */
  public CompletableFuture<Sent> reject(String id, String error) {
    Optional<String> idProblem = RequestValidator.idProblem(id);
    if (idProblem.isPresent()) {
      throw new IllegalArgumentException(idProblem.get());
    }
    return write(records.error(id, error));
  }

  /** Blocks until every record sent so far is acknowledged (or failed). */
  public void flush() {
    writer.flush();
  }

  /** Sends what is buffered, waiting up to 30 s, and closes the producer. */
  @Override
  public void close() {
    writer.close();
  }

  private CompletableFuture<Sent> write(Outbound out) {
    CompletableFuture<Sent> result = new CompletableFuture<>();
    try {
      writer.send(
          out,
          (metadata, e) -> {
            if (e != null) {
              result.completeExceptionally(e);
            } else {
              result.complete(
                  new Sent(
                      out.id(),
                      out.jobId(),
                      metadata.topic(),
                      metadata.partition(),
                      metadata.offset(),
                      out.error()));
            }
          });
    } catch (KafkaException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /** Settings of a {@link PromptProducer}; only the Kafka settings are required. */
  public static final class Builder {

    private final KafkaSettings kafka;
    private String jobId;
    private SchemaRegistryConfig registry;
    private TopicNames topics = TopicNames.defaults();

    private Builder(KafkaSettings kafka) {
      this.kafka = kafka;
    }

    /** The job of requests that name none; default: a generated one ({@link JobIds}). */
    public Builder jobId(String id) {
      if (id != null && (id.isBlank() || id.length() > RequestValidator.MAX_ID_CHARS)) {
        throw new IllegalArgumentException(
            "job id must be 1 to " + RequestValidator.MAX_ID_CHARS + " characters");
      }
      this.jobId = id;
      return this;
    }

    /** The schema registry; default: the registry settings in the Kafka settings. */
    public Builder schemaRegistry(SchemaRegistryConfig config) {
      this.registry = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Default: {@link TopicNames#defaults()} (the progress topic is not used here). */
    public Builder topics(TopicNames names) {
      this.topics = Objects.requireNonNull(names, "names");
      return this;
    }

    /**
     * Checks the topics exist and creates the producer.
     *
     * @throws IngestException when a topic is missing, Kafka does not answer, or no schema registry
     *     is configured
     */
    public PromptProducer build() {
      SchemaRegistryConfig registryConfig =
          registry != null ? RegistrySettings.requireUrl(registry) : RegistrySettings.from(kafka);
      int topicLimit = topics.preflight(kafka);
      var producerConfig = ProducerSettings.bulk(kafka, null);
      int maxRecordBytes = Math.min(topicLimit, ProducerSettings.maxRequestSize(producerConfig));
      String job = jobId != null ? jobId : JobIds.generate();
      LineRouter records =
          new LineRouter(
              RegistrySettings.serializer(registryConfig),
              topics,
              maxRecordBytes,
              Clock.systemUTC(),
              job);
      RecordWriter writer;
      try {
        writer = new RecordWriter(producerConfig);
      } catch (KafkaException e) {
        throw new IngestException("cannot create a Kafka producer: " + OneLine.of(e), e);
      }
      return new PromptProducer(writer, records, job);
    }
  }
}

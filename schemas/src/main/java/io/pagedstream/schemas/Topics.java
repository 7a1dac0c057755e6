package io.pagedstream.schemas;

import java.util.List;
import java.util.Map;

/**
 * The pipeline's topics: the wire contract between ingest, batcher, processors and sinks, next to
 * the Avro schemas that define their values. Keys are always the request id (requests, completions,
 * dead letters) or the batch id (batches), as UTF-8 strings.
 */
public final class Topics {

  /** {@code GenerationRequest} values, keyed by request id. */
  public static final String REQUESTS = "llm.requests";

  /** {@code GenerationBatch} values, keyed by batch id. */
  public static final String BATCHES = "llm.batches";

  /** {@code Completion} values, keyed by request id: exactly one per request. */
  public static final String COMPLETIONS = "llm.completions";

  /**
   * Compacted: {@code Completion}s of deterministic requests keyed by their cache key (model,
   * prompt ids, sampling parameters), written by processors with the completions they answer.
   */
  public static final String RESPONSE_CACHE = "llm.response-cache";

  /** Compacted: {@code JobStatus} per job id, kept by the jobs aggregation. */
  public static final String JOBS = "llm.jobs";

  /** Records no service could read, with the reason in headers; the original bytes as value. */
  public static final String DEAD_LETTER = "llm.dead-letter";

  /**
   * Completions a sink connector could not write ({@code errors.tolerance=all}), reason in headers.
   */
  public static final String COMPLETIONS_DEAD_LETTER = "llm.completions.dead-letter";

  /** Compacted: ingest's resume points, keyed by transactional id (only ingest reads it). */
  public static final String INGEST_PROGRESS = "llm.ingest-progress";

  private static final String WEEK_MS = Long.toString(7L * 24 * 3600 * 1000);
  private static final String THIRTY_DAYS_MS = Long.toString(30L * 24 * 3600 * 1000);
  private static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact");

  /**
   * Every topic of the pipeline with its settings: what {@code run}, {@code demo} and {@code chaos}
   * create ({@link TopicAdmin}), and what {@code docker/scripts/create-topics.sh} must create too
   * (a test compares them).
   */
  public static final List<TopicSpec> ALL =
      List.of(
          // prompts for the batcher; a week, long enough to run a batcher again
          new TopicSpec(REQUESTS, TopicSpec.SCALED, Map.of("retention.ms", WEEK_MS)),
          // one batch holds up to max-num-seqs tokenized prompts, hence 16 MiB
          new TopicSpec(
              BATCHES,
              TopicSpec.SCALED,
              Map.of("retention.ms", WEEK_MS, "max.message.bytes", "16777216")),
          // a table of results, one per request id: compaction never loses a result to age
          new TopicSpec(COMPLETIONS, TopicSpec.SCALED, COMPACTED),
          new TopicSpec(DEAD_LETTER, 3, Map.of("retention.ms", THIRTY_DAYS_MS)),
          new TopicSpec(COMPLETIONS_DEAD_LETTER, 3, Map.of("retention.ms", THIRTY_DAYS_MS)),
          new TopicSpec(RESPONSE_CACHE, TopicSpec.SCALED, COMPACTED),
          new TopicSpec(JOBS, 1, COMPACTED),
          new TopicSpec(INGEST_PROGRESS, 1, COMPACTED));

  /** Header naming why a record went to the dead-letter topic. */
  public static final String HEADER_ERROR = "pagedstream.error";

  /** Header naming the topic, partition and offset a dead letter came from. */
  public static final String HEADER_SOURCE = "pagedstream.source";

  /** Header naming the service that dead-lettered a record. */
  public static final String HEADER_SERVICE = "pagedstream.service";

  /** The spec of {@code name}. */
  public static TopicSpec spec(String name) {
    return ALL.stream()
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("not a pipeline topic: " + name));
  }

  private Topics() {}
}

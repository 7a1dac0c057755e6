package io.pagedstream.schemas;

/**
 * The pipeline's topics: the wire contract between ingest, batcher, processors and sinks, next to
 * the Avro schemas that define their values. Keys are always the request id (requests,
 * completions, dead letters) or the batch id (batches), as UTF-8 strings.
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

  /** Header naming why a record went to the dead-letter topic. */
  public static final String HEADER_ERROR = "pagedstream.error";
  /** Header naming the topic, partition and offset a dead letter came from. */
  public static final String HEADER_SOURCE = "pagedstream.source";
  /** Header naming the service that dead-lettered a record. */
  public static final String HEADER_SERVICE = "pagedstream.service";

  private Topics() {}
}

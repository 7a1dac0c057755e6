package io.pagedstream.ingest;

import io.pagedstream.schemas.Topics;

/**
 * The topics ingest writes: requests for the batcher, error results for lines that never reach
 * it, and its own resume points (see {@link IngestProgress}).
 */
public record TopicNames(String requests, String completions, String progress) {

  /** A compacted topic keyed by transactional id; not in {@link Topics} because only ingest reads it. */
  public static final String DEFAULT_PROGRESS = Topics.INGEST_PROGRESS;

  public TopicNames {
    for (String t : new String[] {requests, completions, progress}) {
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException("topic names must not be empty");
      }
    }
  }

  public static TopicNames defaults() {
    return new TopicNames(Topics.REQUESTS, Topics.COMPLETIONS, DEFAULT_PROGRESS);
  }
}

package io.pagedstream.ingest;

import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.TopicAdmin;
import io.pagedstream.schemas.TopicSpec;
import io.pagedstream.schemas.Topics;
import java.util.List;
import java.util.Optional;

/**
 * The names of the topics ingest writes (requests for the batcher, error results for lines that
 * never reach it, its own resume points, see {@link IngestProgress}): {@link Topics}' names unless
 * the command line gives others. What each topic is like is {@link Topics#ALL}'s alone.
 */
public record TopicNames(String requests, String completions, String progress) {

  private static final String ADMIN_CLIENT_ID = "pagedstream-ingest-admin";

  public TopicNames {
    for (String t : new String[] {requests, completions, progress}) {
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException("topic names must not be empty");
      }
    }
  }

  public static TopicNames defaults() {
    return new TopicNames(Topics.REQUESTS, Topics.COMPLETIONS, Topics.INGEST_PROGRESS);
  }

  /**
   * Checks before the first line is read that the requests and completions topics exist, and
   * returns the largest record both accept, so that an oversized prompt becomes that line's error
   * result instead of a failed transaction.
   */
  int preflight(KafkaSettings kafka) {
    try (TopicAdmin admin = TopicAdmin.open(kafka, ADMIN_CLIENT_ID)) {
      return admin.requireExisting(List.of(requests, completions)).orElse(Integer.MAX_VALUE);
    } catch (IllegalStateException e) {
      throw new IngestException(e.getMessage(), e);
    }
  }

  /**
   * Creates the progress topic as {@link Topics#INGEST_PROGRESS} is specified (with the broker's
   * default replication) if it is missing: it belongs to ingest, so a first run on a fresh cluster
   * should not need a manual step. Clusters that forbid topic creation must create it themselves
   * (docker/README.md).
   */
  void ensureProgressTopic(KafkaSettings kafka) {
    TopicSpec spec = Topics.spec(Topics.INGEST_PROGRESS).withName(progress);
    try (TopicAdmin admin = TopicAdmin.open(kafka, ADMIN_CLIENT_ID)) {
      admin.ensure(List.of(spec), spec.fixedPartitions(), Optional.empty());
    } catch (IllegalStateException e) {
      throw new IngestException(e.getMessage(), e);
    }
  }
}

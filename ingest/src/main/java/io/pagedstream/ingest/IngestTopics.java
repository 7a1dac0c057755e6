package io.pagedstream.ingest;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.KafkaSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks the topics before the first line is read, so that a missing topic is one clear error at
 * start instead of a {@code send} that blocks for a minute and then fails, and learns the largest
 * record {@code llm.requests} accepts, so that an oversized prompt becomes that line's error
 * result instead of a failed transaction.
 */
final class IngestTopics {

  private static final long TIMEOUT_S = 60;
  /**
   * How long a topic may stay unknown before it counts as missing. A topic created a moment ago
   * (by a setup script, or by {@link #ensureProgressTopic}) is committed by the controller before
   * every broker's metadata has it, and the broker that answers may not know it yet.
   */
  private static final long UNKNOWN_GRACE_MS = 10_000;
  private static final long RETRY_MS = 250;

  private IngestTopics() {}

  /**
   * Fails unless the requests and completions topics exist; returns the smaller of the two
   * topics' {@code max.message.bytes}.
   */
  static int preflight(KafkaSettings kafka, TopicNames topics) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      int limit = Integer.MAX_VALUE;
      for (String topic : List.of(topics.requests(), topics.completions())) {
        Optional<Config> config = describeConfig(admin, kafka, topic, UNKNOWN_GRACE_MS);
        if (config.isEmpty()) {
          throw new IngestException("topic " + topic + " does not exist on " + kafka.bootstrapServers()
              + ": create it first (see docker/README.md for the topic settings)");
        }
        ConfigEntry max = config.get().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (max != null && max.value() != null) {
          limit = Math.min(limit, Integer.parseInt(max.value()));
        }
      }
      return limit;
    }
  }

  /**
   * Creates the progress topic (compacted, one partition, the broker's default replication) if it
   * is missing: it belongs to ingest, so a first run on a fresh cluster should not need a manual
   * step. Clusters that forbid topic creation must create it themselves (docker/README.md).
   * Returns once the topic is known, so that it can be read at once.
   */
  static void ensureProgressTopic(KafkaSettings kafka, String topic) {
    try (Admin admin = KafkaClients.admin(kafka)) {
      // no grace here: the usual reason for an unknown progress topic is that there is none yet
      if (describeConfig(admin, kafka, topic, 0).isPresent()) {
        return;
      }
      NewTopic progress = new NewTopic(topic, Optional.of(1), Optional.empty())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(progress)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw failure("progress topic " + topic + " does not exist and cannot be created", e.getCause());
        }
      } catch (TimeoutException e) {
        throw noAnswer(kafka, e);
      } catch (InterruptedException e) {
        throw interrupted(topic, e);
      }
      if (describeConfig(admin, kafka, topic, UNKNOWN_GRACE_MS).isEmpty()) {
        throw new IngestException("progress topic " + topic + " was created but did not appear within "
            + UNKNOWN_GRACE_MS / 1000 + " s");
      }
    }
  }

  /** The topic's config, or empty when it stays unknown for {@code graceMs}. */
  private static Optional<Config> describeConfig(Admin admin, KafkaSettings kafka, String topic, long graceMs) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    long deadline = System.nanoTime() + graceMs * 1_000_000;
    while (true) {
      try {
        return Optional.ofNullable(admin.describeConfigs(List.of(resource)).all()
            .get(TIMEOUT_S, TimeUnit.SECONDS).get(resource));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw failure("cannot describe topic " + topic + " on " + kafka.bootstrapServers(), e.getCause());
        }
        if (System.nanoTime() > deadline) {
          return Optional.empty();
        }
      } catch (TimeoutException e) {
        throw noAnswer(kafka, e);
      } catch (InterruptedException e) {
        throw interrupted(topic, e);
      }
      try {
        Thread.sleep(RETRY_MS);
      } catch (InterruptedException e) {
        throw interrupted(topic, e);
      }
    }
  }

  private static IngestException failure(String what, Throwable cause) {
    return new IngestException(what + ": " + OneLine.of(cause), cause);
  }

  private static IngestException noAnswer(KafkaSettings kafka, TimeoutException e) {
    return new IngestException("Kafka at " + kafka.bootstrapServers() + " did not answer within "
        + TIMEOUT_S + " s", e);
  }

  private static IngestException interrupted(String topic, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new IngestException("interrupted while checking topic " + topic, e);
  }
}

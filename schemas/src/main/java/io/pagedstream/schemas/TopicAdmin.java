package io.pagedstream.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
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
 * Creates and checks the pipeline's topics as their {@link TopicSpec}s say: the one place code
 * makes a topic ({@code run}, {@code demo}, {@code chaos}, ingest's progress topic). Failures are
 * {@link IllegalStateException}s with a one-line message for the user.
 */
public final class TopicAdmin implements AutoCloseable {

  private static final long TIMEOUT_S = 60;

  /**
   * How long a topic may stay unknown before it counts as missing. A topic created a moment ago (by
   * a setup script, or by {@link #ensure}) is committed by the controller before every broker's
   * metadata has it, and the broker that answers may not know it yet.
   */
  public static final Duration UNKNOWN_GRACE = Duration.ofSeconds(10);

  private static final long RETRY_MS = 250;

  private final Admin admin;
  private final String bootstrap;

  private TopicAdmin(Admin admin, String bootstrap) {
    this.admin = admin;
    this.bootstrap = bootstrap;
  }

  public static TopicAdmin open(KafkaSettings kafka, String clientId) {
    return new TopicAdmin(
        Admin.create(KafkaClientSettings.admin(kafka, clientId).build()), kafka.bootstrapServers());
  }

  /**
   * Creates the pipeline's topics ({@link Topics#ALL}) that are missing: what {@code run}, {@code
   * demo} and {@code chaos} do on the cluster they start.
   *
   * @param scaledPartitions the data topics' partitions: the most processors that can share the
   *     work
   * @param replication empty for the cluster's defaults (factor and {@code min.insync.replicas})
   */
  public static void ensurePipelineTopics(
      KafkaSettings kafka, int scaledPartitions, Optional<Replication> replication) {
    try (TopicAdmin admin = open(kafka, "pagedstream-topics")) {
      admin.ensure(Topics.ALL, scaledPartitions, replication);
    }
  }

  /**
   * Creates each topic of {@code specs} that is missing, as its spec says, and returns once every
   * one is known (so that it can be used at once). Existing topics are left as they are.
   *
   * @param replication empty for the cluster's defaults (factor and {@code min.insync.replicas})
   */
  public void ensure(
      Collection<TopicSpec> specs, int scaledPartitions, Optional<Replication> replication) {
    Set<String> existing;
    try {
      existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw failure("cannot list the topics on " + bootstrap, e.getCause());
    } catch (TimeoutException e) {
      throw noAnswer(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing the topics", e);
    }
    List<NewTopic> missing = new ArrayList<>();
    for (TopicSpec spec : specs) {
      if (!existing.contains(spec.name())) {
        missing.add(spec.newTopic(scaledPartitions, replication));
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    var created = admin.createTopics(missing).values();
    for (NewTopic topic : missing) {
      try {
        created.get(topic.name()).get(TIMEOUT_S, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw failure(
              "topic " + topic.name() + " does not exist and cannot be created", e.getCause());
        }
      } catch (TimeoutException e) {
        throw noAnswer(e);
      } catch (InterruptedException e) {
        throw interrupted(topic.name(), e);
      }
    }
    for (NewTopic topic : missing) {
      if (describe(topic.name(), UNKNOWN_GRACE).isEmpty()) {
        throw new IllegalStateException(
            "topic "
                + topic.name()
                + " was created but did not appear within "
                + UNKNOWN_GRACE.toSeconds()
                + " s");
      }
    }
  }

  /**
   * The largest record every one of {@code topics} accepts (the smallest {@code max.message.bytes}
   * they set; empty when none sets it). Fails when a topic does not exist, so that a missing topic
   * is one clear error at start instead of a {@code send} that blocks for a minute and then fails.
   */
  public OptionalInt requireExisting(Collection<String> topics) {
    OptionalInt limit = OptionalInt.empty();
    for (String topic : topics) {
      Optional<Config> config = describe(topic, UNKNOWN_GRACE);
      if (config.isEmpty()) {
        throw new IllegalStateException(
            "topic "
                + topic
                + " does not exist on "
                + bootstrap
                + ": create it first (see docker/README.md for the topic settings)");
      }
      ConfigEntry max = config.get().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (max != null && max.value() != null) {
        int bytes = Integer.parseInt(max.value());
        limit = OptionalInt.of(limit.isPresent() ? Math.min(limit.getAsInt(), bytes) : bytes);
      }
    }
    return limit;
  }

  /** The topic's config, or empty when it stays unknown for {@code grace}. */
  public Optional<Config> describe(String topic, Duration grace) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    long deadline = System.nanoTime() + grace.toNanos();
    while (true) {
      try {
        return Optional.ofNullable(
            admin
                .describeConfigs(List.of(resource))
                .all()
                .get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(resource));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw failure("cannot describe topic " + topic + " on " + bootstrap, e.getCause());
        }
        if (System.nanoTime() > deadline) {
          return Optional.empty();
        }
      } catch (TimeoutException e) {
        throw noAnswer(e);
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

  @Override
  public void close() {
    admin.close();
  }

  private static IllegalStateException failure(String what, Throwable cause) {
    String reason = String.valueOf(cause.getMessage()).lines().findFirst().orElse("").strip();
    return new IllegalStateException(what + ": " + reason, cause);
  }

  private IllegalStateException noAnswer(TimeoutException e) {
    return new IllegalStateException(
        "Kafka at " + bootstrap + " did not answer within " + TIMEOUT_S + " s", e);
  }

  private static IllegalStateException interrupted(String topic, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new IllegalStateException("interrupted while checking topic " + topic, e);
  }
}

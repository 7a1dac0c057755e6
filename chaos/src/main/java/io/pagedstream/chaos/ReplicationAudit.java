package io.pagedstream.chaos;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Replication;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Checks that every topic on the cluster, Kafka's internal ones and those the services made for
 * themselves (Streams changelogs and repartition topics, Connect's dead-letter queue) included, has
 * the cluster's replication: a topic created with one replica by some default would be the one that
 * loses data when its broker dies, and no kill might happen to show it.
 */
final class ReplicationAudit {

  private static final long TIMEOUT_S = 30;

  private ReplicationAudit() {}

  /**
   * One line per topic with fewer replicas or a lower {@code min.insync.replicas} than {@code
   * expected}.
   */
  static List<String> shortfalls(KafkaSettings kafka, Replication expected) {
    List<String> shortfalls = new ArrayList<>();
    try (Admin admin =
        Admin.create(KafkaClientSettings.admin(kafka, "chaos-replication-audit").build())) {
      Set<String> names =
          admin
              .listTopics(new ListTopicsOptions().listInternal(true))
              .names()
              .get(TIMEOUT_S, TimeUnit.SECONDS);
      Map<String, TopicDescription> topics =
          admin.describeTopics(names).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
      List<ConfigResource> resources =
          names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(TIMEOUT_S, TimeUnit.SECONDS);
      for (TopicDescription t : topics.values()) {
        int replicas = t.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
        var minIsr =
            configs
                .get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
                .get(Replication.MIN_INSYNC_REPLICAS_CONFIG);
        int minInsync = minIsr == null ? 0 : Integer.parseInt(minIsr.value());
        if (replicas < expected.factor() || minInsync < expected.minInsyncReplicas()) {
          shortfalls.add(
              t.name() + ": " + replicas + " replicas, min.insync.replicas " + minInsync);
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      shortfalls.add("cannot describe the topics: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shortfalls.add("interrupted while describing the topics");
    }
    return shortfalls;
  }
}

package io.pagedstream.devcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.TopicSpec;
import io.pagedstream.schemas.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up's own promises; the services on it are tested by demo, run, chaos and the security
 * tests.
 */
class DevClusterTest {

  @TempDir Path dir;

  @Test
  void aBrokerOnlyClusterHasEveryTopicOfTheSpecificationAndARegistryOfItsOwn() throws Exception {
    try (DevCluster cluster = DevCluster.builder().partitions(3).start()) {
      assertThat(cluster.failure()).isNull();
      assertThat(cluster.processors()).isEmpty();
      assertThat(cluster.batcher()).isNull();
      assertThat(String.valueOf(cluster.kafka().asMap().get("schema.registry.url")))
          .startsWith("mock://devcluster-");
      assertThat(cluster.replication())
          .hasValueSatisfying(r -> assertThat(r.factor()).isEqualTo(1));
      try (Admin admin = Admin.create(cluster.kafka().asMap())) {
        Map<String, TopicDescription> topics =
            admin
                .describeTopics(Topics.ALL.stream().map(TopicSpec::name).toList())
                .allTopicNames()
                .get(60, TimeUnit.SECONDS);
        for (TopicSpec spec : Topics.ALL) {
          assertThat(topics.get(spec.name()).partitions())
              .as(spec.name())
              .hasSize(spec.partitions(3));
        }
      }
      // nothing was written before this cluster: no completion counts as an earlier process's
      assertThat(cluster.completionsWrittenBefore().values()).containsOnly(0L);
    }
  }

  @Test
  void aDataDirectoryIsOnlyForTheEmbeddedBroker() {
    DevCluster.Builder onACluster =
        DevCluster.builder()
            .externalCluster(KafkaSettings.of(Map.of("bootstrap.servers", "localhost:1")))
            .resumable(dir.resolve("streams"));
    assertThatThrownBy(onACluster::start)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data directory is for the embedded broker");
    assertThatThrownBy(() -> DevCluster.builder().replicatedBrokers(2, 1))
        .hasMessageContaining("at least 3 brokers");
    assertThatThrownBy(() -> new DevCluster.Sink(dir, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

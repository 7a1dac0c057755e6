package io.pagedstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Topics are made from their spec, on a real broker; missing ones are one clear error. */
class TopicAdminTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.builder().defaultPartitions(1).start();
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  void createsEveryPipelineTopicAsSpecifiedAndLeavesExistingOnesAlone() throws Exception {
    KafkaSettings settings = KafkaSettings.of(kafka.clientProperties());
    TopicAdmin.ensurePipelineTopics(settings, 3, Optional.empty());
    TopicAdmin.ensurePipelineTopics(settings, 5, Optional.empty());

    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Map<String, TopicDescription> topics =
          admin
              .describeTopics(Topics.ALL.stream().map(TopicSpec::name).toList())
              .allTopicNames()
              .get(30, TimeUnit.SECONDS);
      for (TopicSpec spec : Topics.ALL) {
        assertThat(topics.get(spec.name()).partitions())
            .as(spec.name())
            .hasSize(spec.partitions(3));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
        Config config =
            admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        spec.configs()
            .forEach(
                (key, value) ->
                    assertThat(config.get(key).value())
                        .as(spec.name() + " " + key)
                        .isEqualTo(value));
      }
    }
    try (TopicAdmin admin = TopicAdmin.open(settings, "test-admin")) {
      assertThat(admin.requireExisting(List.of(Topics.BATCHES))).hasValue(16 * 1024 * 1024);
      // the smaller of the two: llm.requests has the broker's default limit
      assertThat(admin.requireExisting(List.of(Topics.REQUESTS, Topics.BATCHES)).getAsInt())
          .isLessThan(16 * 1024 * 1024);
      assertThatThrownBy(() -> admin.requireExisting(List.of("no-such-topic")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "topic no-such-topic does not exist on " + kafka.bootstrapServers());
    }
  }
}

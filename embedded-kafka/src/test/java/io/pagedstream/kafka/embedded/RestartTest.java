package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RestartTest {

  private static final String TOPIC = "events";
  private static final String GROUP = "workers";

  private EmbeddedKafka kafka;

  @AfterEach
  void closeBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void restartKeepsTopicsDataCommittedOffsetsAndAddress() throws Exception {
    kafka = EmbeddedKafka.builder().defaultPartitions(3).start();
    String address = kafka.bootstrapServers();
    kafka.createTopics(TOPIC);
    String[] before = IntStream.range(0, 10).mapToObj(i -> "before-" + i).toArray(String[]::new);
    String[] after = IntStream.range(0, 5).mapToObj(i -> "after-" + i).toArray(String[]::new);

    // The producer outlives the restart, as in a chaos test where the broker bounces mid-job.
    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(), Map.of())) {
      Clients.send(producer, TOPIC, before);
      Map<TopicPartition, OffsetAndMetadata> committed = consumeAndCommit(before.length);

      kafka.restart();

      assertThat(kafka.bootstrapServers()).isEqualTo(address);
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        assertThat(admin.listTopics().names().get()).contains(TOPIC);
        assertThat(
                admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions())
            .hasSize(3);
        assertThat(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get())
            .isEqualTo(committed);
      }
      try (KafkaConsumer<String, String> fresh =
          Clients.consumer(kafka.clientProperties(), "fresh", Map.of())) {
        fresh.subscribe(List.of(TOPIC));
        assertThat(Clients.poll(fresh, before.length, Duration.ofSeconds(30)))
            .containsExactlyInAnyOrder(before);
      }
      Clients.send(producer, TOPIC, after);
    }
    // The group resumes from its committed offsets: only what was produced after the restart.
    try (KafkaConsumer<String, String> resumed =
        Clients.consumer(kafka.clientProperties(), GROUP, Map.of())) {
      resumed.subscribe(List.of(TOPIC));
      List<String> values = Clients.poll(resumed, after.length, Duration.ofSeconds(30));
      values.addAll(Clients.poll(resumed, Integer.MAX_VALUE, Duration.ofSeconds(1)));
      assertThat(values).containsExactlyInAnyOrder(after);
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> consumeAndCommit(int expected) throws Exception {
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(kafka.clientProperties(), GROUP, Map.of())) {
      consumer.subscribe(List.of(TOPIC));
      assertThat(Clients.poll(consumer, expected, Duration.ofSeconds(30))).hasSize(expected);
      consumer.commitSync();
    }
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
      assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum())
          .isEqualTo(expected);
      return committed;
    }
  }
}

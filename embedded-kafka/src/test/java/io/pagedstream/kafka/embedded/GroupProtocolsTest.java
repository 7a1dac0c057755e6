package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consumers and Kafka Streams work on the single node with every group protocol Kafka 4.3 offers
 * them.
 */
class GroupProtocolsTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.builder().defaultPartitions(2).start();
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"classic", "consumer"})
  void consumerGroupsWorkWithBothProtocols(String protocol) throws Exception {
    String topic = "protocol-" + protocol;
    kafka.createTopics(topic);
    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(), Map.of())) {
      Clients.send(producer, topic, "one", "two");
    }
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(
            kafka.clientProperties(), "group-" + protocol, Map.of("group.protocol", protocol))) {
      consumer.subscribe(List.of(topic));
      assertThat(Clients.poll(consumer, 2, Duration.ofSeconds(30)))
          .containsExactlyInAnyOrder("one", "two");
      consumer.commitSync();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"classic", "streams"})
  void exactlyOnceStreamsAppWithInternalTopicsRuns(String protocol) throws Exception {
    String words = "words-" + protocol;
    String counts = "counts-" + protocol;
    kafka.createTopics(words, counts);
    StreamsBuilder topology = new StreamsBuilder();
    // groupBy + count: needs a repartition topic and a changelog topic, created by Streams with
    // broker defaults.
    topology.stream(words, Consumed.with(Serdes.String(), Serdes.String()))
        .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .mapValues(String::valueOf)
        .to(counts, Produced.with(Serdes.String(), Serdes.String()));

    Path stateDir = Files.createTempDirectory("streams-" + protocol);
    Properties config = new Properties();
    config.putAll(kafka.clientProperties());
    config.put("application.id", "word-count-" + protocol);
    config.put("group.protocol", protocol);
    config.put("processing.guarantee", "exactly_once_v2");
    config.put("commit.interval.ms", "100");
    config.put("state.dir", stateDir.toString());

    try (KafkaStreams streams = new KafkaStreams(topology.build(), config)) {
      streams.start();
      try (KafkaProducer<String, String> producer =
          Clients.producer(kafka.clientProperties(), Map.of())) {
        Clients.send(producer, words, "kafka", "streams", "kafka");
      }
      assertThat(latestCounts(counts, 2)).containsEntry("kafka", "2").containsEntry("streams", "1");
    }
  }

  /**
   * Reads committed output until {@code keys} keys have their final count, keeping the latest value
   * per key.
   */
  private static Map<String, String> latestCounts(String topic, int keys) {
    Map<String, String> latest = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(
            kafka.clientProperties(),
            "check-" + topic,
            Map.of("isolation.level", "read_committed"))) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!(latest.size() == keys && "2".equals(latest.get("kafka")))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          latest.put(record.key(), record.value());
        }
      }
    }
    return latest;
  }
}

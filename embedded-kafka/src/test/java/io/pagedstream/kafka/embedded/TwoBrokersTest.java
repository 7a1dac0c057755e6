package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

class TwoBrokersTest {

  @Test
  void twoBrokersRunSideBySideInOneJvm() throws Exception {
    // Started concurrently, as parallel test classes would.
    CompletableFuture<EmbeddedKafka> firstStart =
        CompletableFuture.supplyAsync(() -> EmbeddedKafka.builder().start());
    CompletableFuture<EmbeddedKafka> secondStart =
        CompletableFuture.supplyAsync(() -> EmbeddedKafka.builder().start());
    try (EmbeddedKafka first = firstStart.get();
        EmbeddedKafka second = secondStart.get()) {
      assertThat(first.bootstrapServers()).isNotEqualTo(second.bootstrapServers());
      assertThat(first.dataDir()).isNotEqualTo(second.dataDir());
      assertThat(clusterId(first)).isNotEqualTo(clusterId(second));

      first.createTopics("only-on-first");
      roundTrip(first, "only-on-first", "hello first");
      roundTrip(second, "auto-created", "hello second");

      try (Admin admin = Admin.create(second.clientProperties())) {
        assertThat(admin.listTopics().names().get())
            .contains("auto-created")
            .doesNotContain("only-on-first");
      }
    }
  }

  private static String clusterId(EmbeddedKafka kafka) throws Exception {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      return admin.describeCluster().clusterId().get();
    }
  }

  private static void roundTrip(EmbeddedKafka kafka, String topic, String value) throws Exception {
    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(), Map.of())) {
      Clients.send(producer, topic, value);
    }
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(kafka.clientProperties(), "g", Map.of())) {
      consumer.subscribe(List.of(topic));
      assertThat(Clients.poll(consumer, 1, Duration.ofSeconds(30))).containsExactly(value);
    }
  }
}

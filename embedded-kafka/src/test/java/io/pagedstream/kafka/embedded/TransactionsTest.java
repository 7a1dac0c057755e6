package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TransactionsTest {

  private static final String TOPIC = "transactional";

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.builder().defaultPartitions(2).start();
    kafka.createTopics(TOPIC);
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
  }

  @Test
  void readCommittedConsumerSeesCommittedRecordsButNotAbortedOnes() {
    Map<String, Object> transactional =
        Map.of("transactional.id", "tx-test", "enable.idempotence", "true");
    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(), transactional)) {
      producer.initTransactions();
      inTransaction(producer, true, "committed-1", "committed-2");
      inTransaction(producer, false, "aborted-1", "aborted-2");
      inTransaction(producer, true, "committed-3");
    }

    assertThat(readAll("read_committed", 3))
        .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3");
    // The aborted records were really written: only the isolation level hides them.
    assertThat(readAll("read_uncommitted", 5))
        .containsExactlyInAnyOrder(
            "committed-1", "committed-2", "aborted-1", "aborted-2", "committed-3");
  }

  private static void inTransaction(
      KafkaProducer<String, String> producer, boolean commit, String... values) {
    producer.beginTransaction();
    for (String value : values) {
      producer.send(new ProducerRecord<>(TOPIC, value, value));
    }
    producer.flush();
    if (commit) {
      producer.commitTransaction();
    } else {
      producer.abortTransaction();
    }
  }

  /**
   * Reads until {@code expected} records arrived, then a little longer so that extra records would
   * show up.
   */
  private static List<String> readAll(String isolation, int expected) {
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(
            kafka.clientProperties(),
            "reader-" + isolation,
            Map.of("isolation.level", isolation))) {
      consumer.subscribe(List.of(TOPIC));
      List<String> values = Clients.poll(consumer, expected, Duration.ofSeconds(30));
      values.addAll(Clients.poll(consumer, Integer.MAX_VALUE, Duration.ofSeconds(1)));
      return values;
    }
  }
}

package io.pagedstream.kafka.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** String producers and consumers for tests, built on a broker's client properties. */
final class Clients {

  private Clients() {}

  static KafkaProducer<String, String> producer(
      Map<String, Object> base, Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>(base);
    props.put("acks", "all");
    props.putAll(extra);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** A consumer that starts at the earliest offset and only commits when told to. */
  static KafkaConsumer<String, String> consumer(
      Map<String, Object> base, String group, Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>(base);
    props.put("group.id", group);
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.putAll(extra);
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  static void send(KafkaProducer<String, String> producer, String topic, String... values)
      throws ExecutionException, InterruptedException {
    for (String value : values) {
      producer.send(new ProducerRecord<>(topic, value, value)).get();
    }
  }

  /**
   * Polls until {@code expected} records arrived or the timeout passed; returns the values in
   * order.
   */
  static List<String> poll(KafkaConsumer<String, String> consumer, int expected, Duration timeout) {
    List<String> values = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (values.size() < expected && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
        values.add(record.value());
      }
    }
    return values;
  }
}

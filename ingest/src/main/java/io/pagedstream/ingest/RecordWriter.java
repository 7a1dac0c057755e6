package io.pagedstream.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one Kafka producer behind ingest. Values arrive already serialized ({@link Outbound}), so one
 * producer, and therefore one transaction, covers requests, error results and progress records on
 * their different topics.
 */
final class RecordWriter implements AutoCloseable {

  private final KafkaProducer<String, byte[]> producer;

  RecordWriter(Map<String, Object> producerConfig) {
    this.producer =
        new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
  }

  Future<RecordMetadata> send(Outbound record, Callback callback) {
    return producer.send(
        new ProducerRecord<>(record.topic(), record.id(), record.value()), callback);
  }

  Future<RecordMetadata> send(String topic, String key, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, key, value));
  }

  /**
   * Registers the transactional id with its coordinator: fences any older producer with the same id
   * and aborts the transaction it left open (a crashed run's unfinished chunk).
   */
  void initTransactions() {
    producer.initTransactions();
  }

  void beginTransaction() {
    producer.beginTransaction();
  }

  /** Flushes and commits; throws if any record of the transaction failed. */
  void commitTransaction() {
    producer.commitTransaction();
  }

  void abortTransaction() {
    producer.abortTransaction();
  }

  void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }
}

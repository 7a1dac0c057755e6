package io.pagedstream.ingest;

import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Ingest's throughput defaults for its producer, the first of {@link KafkaClientSettings}' layers:
 * the user's {@code --kafka-config} may change them (it knows its cluster); {@code acks=all},
 * idempotence and the transactional id (or none) it may not.
 */
final class ProducerSettings {

  private static final String CLIENT_ID = "pagedstream-ingest";

  /** How long a chunk's transaction may stay open before the coordinator aborts it. */
  static final int TRANSACTION_TIMEOUT_MS = 300_000;

  private static final Map<String, Object> BULK_DEFAULTS =
      Map.of(
          // wait a little so that batches fill: one request per prompt, often millions of them
          ProducerConfig.LINGER_MS_CONFIG, "50",
          ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024),
          ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024),
          // prompts are text and compress well; lz4 costs little CPU and needs no native library
          ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
          ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5",
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000",
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(TRANSACTION_TIMEOUT_MS));

  private ProducerSettings() {}

  /** The producer config; {@code transactionalId} null means idempotent but not transactional. */
  static Map<String, Object> bulk(KafkaSettings kafka, String transactionalId) {
    KafkaClientSettings settings = KafkaClientSettings.producer(kafka, CLIENT_ID, transactionalId);
    BULK_DEFAULTS.forEach(settings::withDefault);
    return settings.build();
  }

  /** The largest request the producer will send (its own limit, before the topic's). */
  static int maxRequestSize(Map<String, Object> producerConfig) {
    Object v = producerConfig.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    return v == null ? 1024 * 1024 : Integer.parseInt(v.toString().trim());
  }

  /** The transaction timeout the producer will ask for. */
  static int transactionTimeoutMs(Map<String, Object> producerConfig) {
    Object v = producerConfig.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    return v == null ? TRANSACTION_TIMEOUT_MS : Integer.parseInt(v.toString().trim());
  }
}

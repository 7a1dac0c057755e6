package io.pagedstream.ingest;

import io.pagedstream.schemas.KafkaSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Producer settings for bulk ingest. Three layers: throughput defaults, then whatever the user's
 * {@code --kafka-config} says (it knows its cluster), then the few settings ingest's guarantees
 * rest on, which nothing may override: {@code acks=all} and idempotence (no loss, no duplicates
 * from retries) and the transactional id (or none).
 */
final class ProducerSettings {

  private static final Logger log = LoggerFactory.getLogger(ProducerSettings.class);

  /** How long a chunk's transaction may stay open before the coordinator aborts it. */
  static final int TRANSACTION_TIMEOUT_MS = 300_000;

  private static final Map<String, Object> BULK_DEFAULTS = Map.of(
      // wait a little so that batches fill: one request per prompt, often millions of them
      ProducerConfig.LINGER_MS_CONFIG, "50",
      ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024),
      ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024),
      // prompts are text and compress well; lz4 costs little CPU and needs no native library
      ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
      ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5",
      ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000",
      ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(TRANSACTION_TIMEOUT_MS),
      ProducerConfig.CLIENT_ID_CONFIG, "pagedstream-ingest");

  private ProducerSettings() {}

  /** The producer config; {@code transactionalId} null means idempotent but not transactional. */
  static Map<String, Object> bulk(KafkaSettings kafka, String transactionalId) {
    Map<String, Object> m = new HashMap<>(BULK_DEFAULTS);
    m.putAll(kafka.asMap());
    enforce(m, ProducerConfig.ACKS_CONFIG, "all");
    enforce(m, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // serializers are passed as instances; a class name in a shared client file must not win
    m.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
    m.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
    // a shared client.properties may carry another service's transactional id: never reuse it
    m.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    if (transactionalId != null) {
      m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return m;
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

  private static void enforce(Map<String, Object> m, String key, String value) {
    Object given = m.put(key, value);
    boolean same = given == null || Objects.equals(given.toString().trim(), value)
        || (key.equals(ProducerConfig.ACKS_CONFIG) && given.toString().trim().equals("-1"));
    if (!same) {
      log.warn("Ignoring {}={} from the Kafka config: ingest always uses {}={}", key, given, key, value);
    }
  }
}

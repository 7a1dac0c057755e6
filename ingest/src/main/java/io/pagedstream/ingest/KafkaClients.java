package io.pagedstream.ingest;

import io.pagedstream.schemas.KafkaSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The admin client and consumer settings ingest needs besides its producer. The shared client
 * file also holds producer, Streams and registry settings; only the keys each client knows are
 * passed on, so that they do not log "unknown config" warnings at every start.
 */
final class KafkaClients {

  private KafkaClients() {}

  static Admin admin(KafkaSettings kafka) {
    Map<String, Object> config = known(kafka, AdminClientConfig.configNames());
    config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "pagedstream-ingest-admin");
    return Admin.create(config);
  }

  /** A read_committed consumer config without a group: ingest assigns partitions itself. */
  static Map<String, Object> committedReader(KafkaSettings kafka, String clientId) {
    Map<String, Object> config = known(kafka, ConsumerConfig.configNames());
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
    config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    return config;
  }

  private static Map<String, Object> known(KafkaSettings kafka, Set<String> names) {
    Map<String, Object> config = new HashMap<>();
    kafka.asMap().forEach((k, v) -> {
      // sasl.* and ssl.* include listener- and mechanism-specific keys that configNames() omits
      if (names.contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.")) {
        config.put(k, v);
      }
    });
    return config;
  }
}

package io.pagedstream.app;

import io.pagedstream.app.run.DataDir;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.schemas.KafkaSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a service reaches Kafka and the schema registry. */
public final class KafkaOptions {

  @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers, HOST:PORT[,...]")
  String bootstrapServers;

  @Option(
      names = "--kafka-config",
      description =
          "client properties file (SASL/TLS, timeouts, schema.registry.url, basic.auth.user.info, ...)")
  Path kafkaConfig;

  @Option(
      names = "--schema-registry-url",
      description =
          "Confluent-compatible schema registry (http(s)://..., or mock://NAME for an in-process one)")
  String schemaRegistryUrl;

  boolean hasCluster() {
    return bootstrapServers != null || kafkaConfig != null;
  }

  /** Settings for a real cluster; the registry URL is required unless the config file names one. */
  KafkaSettings settings() {
    KafkaSettings s = KafkaSettings.of(bootstrapServers, kafkaConfig);
    Map<String, Object> m = new HashMap<>(s.asMap());
    if (schemaRegistryUrl != null) {
      m.put("schema.registry.url", schemaRegistryUrl);
    }
    if (!m.containsKey("schema.registry.url")) {
      throw new IllegalArgumentException(
          "services on a cluster need a schema registry: give --schema-registry-url or "
              + "schema.registry.url in --kafka-config (mock://NAME works only inside one process)");
    }
    return KafkaSettings.of(m);
  }

  /** Settings for an in-process broker, with an in-process registry unless one was given. */
  KafkaSettings embedded(Map<String, Object> brokerClientProperties, String scope) {
    Map<String, Object> m = new HashMap<>(brokerClientProperties);
    m.put("schema.registry.url", schemaRegistryUrl != null ? schemaRegistryUrl : "mock://" + scope);
    return KafkaSettings.of(m);
  }

  /**
   * The development cluster for {@code run} and {@code demo}: the given cluster, else an in-process
   * broker with a registry of {@code scope}, on {@code data} (resumable) when given.
   */
  DevCluster.Builder devCluster(DataDir data, String scope) {
    DevCluster.Builder cluster = DevCluster.builder();
    if (hasCluster()) {
      return cluster.externalCluster(settings());
    }
    cluster.clientSettings(props -> embedded(props, scope));
    if (data != null) {
      cluster.embeddedBroker(data.broker()).resumable(data.streamsDir());
    }
    return cluster;
  }
}

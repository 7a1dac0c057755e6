package io.pagedstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The client against the real Confluent Schema Registry (which stores its schemas in Kafka, hence
 * the broker). Skipped where there is no Docker; {@link HttpSchemaRegistryTest} covers the same
 * calls against a local server everywhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class SchemaRegistryContainerTest {

  private static final Network NETWORK = Network.newNetwork();

  /** A single-node KRaft broker, reachable only inside the network as kafka:9092. */
  @Container
  private static final GenericContainer<?> KAFKA =
      new GenericContainer<>(DockerImageName.parse("apache/kafka:4.0.0"))
          .withNetwork(NETWORK)
          .withNetworkAliases("kafka")
          .withEnv(
              Map.of(
                  "KAFKA_NODE_ID", "1",
                  "KAFKA_PROCESS_ROLES", "broker,controller",
                  "KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093",
                  "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://kafka:9092",
                  "KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER",
                  "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                      "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                  "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093",
                  "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1",
                  "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1",
                  "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"))
          .waitingFor(Wait.forLogMessage(".*Kafka Server started.*", 1));

  @Container
  private static final GenericContainer<?> REGISTRY =
      new GenericContainer<>(DockerImageName.parse("confluentinc/cp-schema-registry:7.9.0"))
          .withNetwork(NETWORK)
          .withExposedPorts(8081)
          .withEnv(
              Map.of(
                  "SCHEMA_REGISTRY_HOST_NAME", "schema-registry",
                  "SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081",
                  "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:9092"))
          .dependsOn(KAFKA)
          .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));

  private static String url() {
    return "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
  }

  @Test
  void registersFetchesAndLooksUp() {
    HttpSchemaRegistry registry = new HttpSchemaRegistry(SchemaRegistryConfig.of(url()));
    String subject = "container-" + Samples.newScope() + "-value";

    int id = registry.register(subject, Completion.SCHEMA$);

    HttpSchemaRegistry fresh = new HttpSchemaRegistry(SchemaRegistryConfig.of(url()));
    assertThat(fresh.schemaById(id)).isEqualTo(Completion.SCHEMA$);
    assertThat(fresh.lookup(subject, Completion.SCHEMA$)).isEqualTo(id);
    assertThat(fresh.latest(subject).version()).isEqualTo(1);
  }

  @Test
  void reportsConfluentErrorCodes() {
    HttpSchemaRegistry registry = new HttpSchemaRegistry(SchemaRegistryConfig.of(url()));
    String subject = "container-" + Samples.newScope() + "-value";
    registry.register(subject, Completion.SCHEMA$);
    Schema incompatible =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Completion\",\"namespace\":\"io.pagedstream.schemas.avro\","
                    + "\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");

    assertThatThrownBy(() -> registry.register(subject, incompatible))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA));
    assertThatThrownBy(() -> registry.schemaById(999_999))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    assertThatThrownBy(() -> registry.lookup("no-such-" + subject, Completion.SCHEMA$))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
  }

  @Test
  void serdesRoundTrip() {
    Serde<Completion> serde =
        AvroSerdes.serde(Completion.class, Map.of(SchemaRegistryConfig.URL, url()));
    String topic = "container-" + Samples.newScope();

    byte[] bytes = serde.serializer().serialize(topic, Samples.completion());

    assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(Samples.completion());
  }
}

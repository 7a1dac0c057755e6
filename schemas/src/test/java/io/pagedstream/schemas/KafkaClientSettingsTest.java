package io.pagedstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one policy for every client: the user's file filtered per client kind, guarantees and
 * identities fixed.
 */
class KafkaClientSettingsTest {

  /** A shared client file as one might write it for every service, with a few wrong ideas in it. */
  private static final KafkaSettings SHARED_FILE =
      KafkaSettings.of(
          Map.ofEntries(
              Map.entry("bootstrap.servers", "broker:9092"),
              Map.entry("security.protocol", "SASL_SSL"),
              Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
              Map.entry("ssl.truststore.location", "/trust.p12"),
              Map.entry("schema.registry.url", "http://registry:8081"),
              Map.entry("basic.auth.user.info", "u:p"),
              Map.entry("linger.ms", "20"),
              Map.entry("max.poll.records", "7"),
              Map.entry("num.stream.threads", "3"),
              Map.entry("group.id", "someone-elses-group"),
              Map.entry("transactional.id", "someone-elses-id"),
              Map.entry("application.id", "someone-elses-app"),
              Map.entry("acks", "1"),
              Map.entry("enable.idempotence", "false"),
              Map.entry("isolation.level", "read_uncommitted"),
              Map.entry("enable.auto.commit", "true"),
              Map.entry("processing.guarantee", "at_least_once")));

  @Test
  void anAssignedConsumerHasNoGroupAndReadsCommittedRecordsOnly() {
    Map<String, Object> c = KafkaClientSettings.assignedConsumer(SHARED_FILE, "reader").build();

    assertThat(c)
        .doesNotContainKey("group.id")
        .containsEntry("client.id", "reader")
        .containsEntry("isolation.level", "read_committed")
        .containsEntry("enable.auto.commit", "false")
        // the consumer's own keys and security pass; other clients' keys and the registry's do not
        .containsEntry("max.poll.records", "7")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("ssl.truststore.location", "/trust.p12")
        .doesNotContainKeys(
            "linger.ms", "num.stream.threads", "schema.registry.url", "acks", "transactional.id");
  }

  @Test
  void aGroupMemberGetsTheNameItsServiceGives() {
    Map<String, Object> c =
        KafkaClientSettings.groupConsumer(SHARED_FILE, "pagedstream-processor", "p-0")
            .with("max.poll.records", 1)
            .withDefault("session.timeout.ms", 15_000)
            .build();

    assertThat(c)
        .containsEntry("group.id", "pagedstream-processor")
        .containsEntry("max.poll.records", 1)
        .containsEntry("session.timeout.ms", 15_000)
        .containsEntry("isolation.level", "read_committed");
  }

  @Test
  void aProducerIsIdempotentWithAcksAllAndOnlyItsOwnTransactionalId() {
    Map<String, Object> plain =
        KafkaClientSettings.producer(SHARED_FILE, "writer", null)
            .withDefault("linger.ms", "50")
            .withDefault("compression.type", "lz4")
            .build();
    Map<String, Object> transactional =
        KafkaClientSettings.producer(SHARED_FILE, "writer", "mine").build();

    assertThat(plain)
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", "true")
        .doesNotContainKey("transactional.id")
        // the user's file wins over a default
        .containsEntry("linger.ms", "20")
        .containsEntry("compression.type", "lz4")
        .doesNotContainKeys("max.poll.records", "isolation.level", "schema.registry.url");
    assertThat(transactional).containsEntry("transactional.id", "mine");
  }

  @Test
  void aStreamsApplicationRunsExactlyOnceAndKeepsWhatItsHandlersNeed() {
    Map<String, Object> s = KafkaClientSettings.streams(SHARED_FILE, "pagedstream-batcher").build();

    assertThat(s)
        .containsEntry("application.id", "pagedstream-batcher")
        .containsEntry("processing.guarantee", "exactly_once_v2")
        .containsEntry("num.stream.threads", "3")
        // Streams hands these on to its clients, and its whole config to the serdes and handlers
        .containsEntry("linger.ms", "20")
        .containsEntry("max.poll.records", "7")
        .containsEntry("schema.registry.url", "http://registry:8081")
        .containsEntry("basic.auth.user.info", "u:p")
        .doesNotContainKeys("group.id", "transactional.id");
  }

  @Test
  void anAdminGetsOnlyAdminKeys() {
    Map<String, Object> a = KafkaClientSettings.admin(SHARED_FILE, "admin").build();

    assertThat(a)
        .containsEntry("bootstrap.servers", "broker:9092")
        .containsEntry("client.id", "admin")
        .containsEntry("security.protocol", "SASL_SSL")
        .doesNotContainKeys("linger.ms", "max.poll.records", "schema.registry.url", "group.id");
  }

  @Test
  void aServiceCannotTurnAGuaranteeOffEither() {
    assertThatThrownBy(
            () -> KafkaClientSettings.producer(SHARED_FILE, "writer", null).with("acks", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acks");
    assertThatThrownBy(() -> KafkaClientSettings.groupConsumer(SHARED_FILE, " ", "reader"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("group.id");
  }
}

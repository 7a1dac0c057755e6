package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SaslAclTest {

  private static final Credentials ADMIN = Credentials.of("admin", "admin-secret");
  private static final Credentials ALICE = Credentials.of("alice", "alice-secret");
  private static final Credentials BOB = Credentials.of("bob", "bob-secret");
  private static final String TOPIC = "secured";
  private static final String GROUP = "alice-group";

  /** Fail fast: a refused client would otherwise retry for the default minute. */
  private static final Map<String, Object> SHORT_TIMEOUTS =
      Map.of(
          "max.block.ms",
          "5000",
          "delivery.timeout.ms",
          "5000",
          "request.timeout.ms",
          "4000",
          "default.api.timeout.ms",
          "5000");

  private EmbeddedKafka kafka;

  @AfterEach
  void closeBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @ParameterizedTest
  @EnumSource(SaslMechanism.class)
  void userWithCredentialsAndAclsProducesAndConsumes(SaslMechanism mechanism) throws Exception {
    kafka = secured(mechanism).start();
    kafka.createTopics(TOPIC);
    grantProduceAndConsume(ALICE);

    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(ALICE), SHORT_TIMEOUTS)) {
      Clients.send(producer, TOPIC, "a", "b", "c");
    }
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(kafka.clientProperties(ALICE), GROUP, Map.of())) {
      consumer.subscribe(List.of(TOPIC));
      assertThat(Clients.poll(consumer, 3, Duration.ofSeconds(30))).containsExactly("a", "b", "c");
      consumer.commitSync();
    }
  }

  @ParameterizedTest
  @EnumSource(SaslMechanism.class)
  void wrongPasswordAndUnknownUserAreRefused(SaslMechanism mechanism) {
    kafka = secured(mechanism).start();
    kafka.createTopics(TOPIC);
    grantProduceAndConsume(ALICE);

    for (Credentials impostor :
        List.of(Credentials.of("alice", "guess"), Credentials.of("mallory", "x"))) {
      try (KafkaProducer<String, String> producer =
          Clients.producer(kafka.clientProperties(impostor), SHORT_TIMEOUTS)) {
        assertThatThrownBy(
                () -> producer.send(new ProducerRecord<>(TOPIC, "x")).get(10, TimeUnit.SECONDS))
            .as("client authenticating as %s", impostor)
            .hasRootCauseInstanceOf(SaslAuthenticationException.class);
      }
    }
  }

  @Test
  void clientWithoutCredentialsGetsNothing() {
    kafka = secured(SaslMechanism.SCRAM_SHA_256).start();
    kafka.createTopics(TOPIC);
    // A PLAINTEXT client never completes the SASL handshake the listener insists on; the broker
    // drops it.
    Map<String, Object> anonymous = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(withShortTimeouts(anonymous))) {
      assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(SaslMechanism.class)
  void authenticatedUserWithoutAclsIsNotAuthorized(SaslMechanism mechanism) throws Exception {
    kafka = secured(mechanism).start();
    kafka.createTopics(TOPIC);
    grantProduceAndConsume(ALICE);

    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(BOB), SHORT_TIMEOUTS)) {
      assertThatThrownBy(
              () -> producer.send(new ProducerRecord<>(TOPIC, "x")).get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(kafka.clientProperties(BOB), GROUP, SHORT_TIMEOUTS)) {
      consumer.subscribe(List.of(TOPIC));
      assertThatThrownBy(() -> Clients.poll(consumer, 1, Duration.ofSeconds(10)))
          .isInstanceOfAny(GroupAuthorizationException.class, TopicAuthorizationException.class);
    }
  }

  @Test
  void scramUsersSurviveRestartAndReopeningTheDirectory(@TempDir Path dir) throws Exception {
    kafka = secured(SaslMechanism.SCRAM_SHA_256).dataDir(dir).start();
    kafka.createTopics(TOPIC);
    grantProduceAndConsume(ALICE);
    kafka.restart();
    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(ALICE), SHORT_TIMEOUTS)) {
      Clients.send(producer, TOPIC, "after-restart");
    }
    kafka.close();

    // A new broker on the same directory with a user added since it was formatted.
    Credentials carol = Credentials.of("carol", "carol-secret");
    kafka =
        EmbeddedKafka.builder()
            .dataDir(dir)
            .security(SaslSecurity.scramSha256(ADMIN, ALICE, BOB, carol))
            .start();
    grantProduceAndConsume(carol);
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(kafka.clientProperties(carol), GROUP, Map.of())) {
      consumer.subscribe(List.of(TOPIC));
      assertThat(Clients.poll(consumer, 1, Duration.ofSeconds(30)))
          .containsExactly("after-restart");
    }
  }

  private static EmbeddedKafkaBuilder secured(SaslMechanism mechanism) {
    return EmbeddedKafka.builder()
        .security(new SaslSecurity(mechanism, ADMIN, List.of(ALICE, BOB)));
  }

  private void grantProduceAndConsume(Credentials user) {
    ResourcePattern topic = new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL);
    ResourcePattern group = new ResourcePattern(ResourceType.GROUP, GROUP, PatternType.LITERAL);
    List<AclBinding> acls =
        List.of(
            allow(topic, user, AclOperation.WRITE),
            allow(topic, user, AclOperation.READ),
            allow(topic, user, AclOperation.DESCRIBE),
            allow(group, user, AclOperation.READ));
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("Granting ACLs as the super user failed", e);
    }
  }

  private static AclBinding allow(
      ResourcePattern resource, Credentials user, AclOperation operation) {
    return new AclBinding(
        resource,
        new AccessControlEntry(user.principal(), "*", operation, AclPermissionType.ALLOW));
  }

  private static Map<String, Object> withShortTimeouts(Map<String, Object> base) {
    Map<String, Object> props = new java.util.HashMap<>(base);
    props.putAll(SHORT_TIMEOUTS);
    return props;
  }
}

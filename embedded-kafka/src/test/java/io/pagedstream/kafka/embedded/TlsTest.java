package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.testing.TestCertificates;
import io.pagedstream.testing.TestCertificates.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that serves SSL only and requires client certificates of its own CA, principals by CN,
 * ACLs on.
 */
class TlsTest {

  private static final Map<String, Object> SHORT =
      Map.of(
          "request.timeout.ms",
          5000,
          "default.api.timeout.ms",
          8000,
          "max.block.ms",
          8000,
          "delivery.timeout.ms",
          10000);

  @TempDir Path dir;

  @Test
  void onlyTrustedCertificatesGetInAndTheirCommonNameIsThePrincipal() throws Exception {
    TestCertificates ca = TestCertificates.authority(dir.resolve("ca"), "test-ca");
    Store trust = ca.trustStore();
    Store broker = ca.issue("broker", true);
    Store admin = ca.issue("admin", false);
    Store app = ca.issue("app", false);
    Store stranger =
        TestCertificates.authority(dir.resolve("other-ca"), "other-ca").issue("app", false);
    TlsSecurity tls =
        new TlsSecurity(
            broker.path(),
            broker.password(),
            trust.path(),
            trust.password(),
            admin.path(),
            admin.password());
    assertThat(tls.toString())
        .doesNotContain(broker.password(), trust.password(), admin.password());

    try (EmbeddedKafka kafka = EmbeddedKafka.builder().tls(tls).start()) {
      assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SSL");
      kafka.createTopics("secured");
      Map<String, Object> appClient =
          with(kafka.clientProperties(app.path(), app.password()), SHORT);

      // trusted, but no ACL yet
      try (KafkaProducer<String, String> producer = Clients.producer(appClient, Map.of())) {
        assertThatThrownBy(
                () ->
                    producer
                        .send(new ProducerRecord<>("secured", "k", "v"))
                        .get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(TopicAuthorizationException.class);
      }
      try (Admin a = Admin.create(kafka.clientProperties())) {
        a.createAcls(
                List.of(
                    acl(ResourceType.TOPIC, "secured", AclOperation.WRITE),
                    acl(ResourceType.TOPIC, "secured", AclOperation.READ),
                    acl(ResourceType.GROUP, "app", AclOperation.READ)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer = Clients.producer(appClient, Map.of())) {
        Clients.send(producer, "secured", "over-tls");
      }
      try (KafkaConsumer<String, String> consumer = Clients.consumer(appClient, "app", Map.of())) {
        consumer.subscribe(List.of("secured"));
        assertThat(Clients.poll(consumer, 1, Duration.ofSeconds(30))).containsExactly("over-tls");
      }

      // a certificate of another CA, and no certificate at all: the handshake fails
      Map<String, Object> untrusted =
          with(
              TlsProperties.client(
                  stranger.path(), stranger.password(), trust.path(), trust.password()),
              SHORT);
      untrusted.put("bootstrap.servers", kafka.bootstrapServers());
      Map<String, Object> anonymous = new HashMap<>(appClient);
      anonymous
          .keySet()
          .removeIf(k -> k.startsWith("ssl.keystore") || k.equals("ssl.key.password"));
      for (Map<String, Object> refused : List.of(untrusted, anonymous)) {
        try (Admin a = Admin.create(refused)) {
          assertThatThrownBy(() -> a.listTopics().names().get(30, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class)
              .hasCauseInstanceOf(SslAuthenticationException.class);
        }
      }
    }
  }

  private static AclBinding acl(ResourceType type, String name, AclOperation operation) {
    return new AclBinding(
        new ResourcePattern(type, name, PatternType.LITERAL),
        new AccessControlEntry("User:app", "*", operation, AclPermissionType.ALLOW));
  }

  private static Map<String, Object> with(Map<String, Object> base, Map<String, Object> extra) {
    Map<String, Object> m = new HashMap<>(base);
    m.putAll(extra);
    return m;
  }
}

package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * Three brokers that are also the controller quorum: a SIGKILLed partition leader's partitions get
 * a new leader from the in-sync replicas, acknowledged writes survive, transactions go on, and the
 * killed broker comes back on its data and rejoins the ISR.
 */
class EmbeddedKafkaClusterTest {

  private static final String TOPIC = "replicated";

  @Test
  void aKilledLeaderLosesNothingAndComesBack() throws Exception {
    try (EmbeddedKafkaCluster kafka =
        EmbeddedKafkaCluster.builder().brokers(3).controllers(3).start()) {
      assertThat(kafka.replicationFactor()).isEqualTo(3);
      assertThat(kafka.minInsyncReplicas()).isEqualTo(2);
      assertThat(kafka.bootstrapServers().split(",")).hasSize(3);
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        assertThat(admin.describeMetadataQuorum().quorumInfo().get().voters()).hasSize(3);
      }
      kafka.createTopics(List.of(new NewTopic(TOPIC, Optional.of(3), Optional.empty())));
      String[] before = IntStream.range(0, 20).mapToObj(i -> "before-" + i).toArray(String[]::new);
      String[] after = IntStream.range(0, 20).mapToObj(i -> "after-" + i).toArray(String[]::new);
      Map<String, Object> transactional =
          Map.of("transactional.id", "cluster-test", "enable.idempotence", true);
      try (Admin admin = Admin.create(kafka.clientProperties());
          KafkaProducer<String, String> producer =
              Clients.producer(kafka.clientProperties(), transactional)) {
        TopicDescription topic =
            admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        assertThat(topic.partitions())
            .allSatisfy(
                p -> {
                  assertThat(p.replicas()).hasSize(3);
                  assertThat(p.isr()).hasSize(3);
                });
        var config =
            admin
                .describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC)))
                .all()
                .get()
                .values()
                .iterator()
                .next();
        assertThat(config.get("min.insync.replicas").value()).isEqualTo("2");
        assertThat(config.get("unclean.leader.election.enable").value()).isEqualTo("false");

        producer.initTransactions();
        sendInTransaction(producer, before);
        int victim = topic.partitions().get(0).leader().id();

        kafka.kill(victim);
        assertThat(kafka.isRunning(victim)).isFalse();
        // the producer outlives the kill: its partitions' leaders (and maybe its coordinator) move
        sendInTransaction(producer, after);
        TopicDescription moved =
            admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
        assertThat(moved.partitions())
            .allSatisfy(p -> assertThat(p.leader().id()).isNotEqualTo(victim));

        kafka.launch(victim);
        kafka.awaitRunning(victim, Duration.ofMinutes(2));
        awaitFullIsr(admin);
      }
      try (KafkaConsumer<String, String> consumer =
          Clients.consumer(
              kafka.clientProperties(), "readers", Map.of("isolation.level", "read_committed"))) {
        consumer.subscribe(List.of(TOPIC));
        List<String> values = Clients.poll(consumer, 40, Duration.ofSeconds(60));
        assertThat(values).containsExactlyInAnyOrder(concat(before, after));
        consumer.commitSync();
      }
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        // internal topics are replicated as well
        for (String internal : List.of("__consumer_offsets", "__transaction_state")) {
          assertThat(
                  admin
                      .describeTopics(List.of(internal))
                      .allTopicNames()
                      .get()
                      .get(internal)
                      .partitions())
              .allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
        }
      }
    }
  }

  /**
   * A single controller of its own (never a broker) and three brokers: a kill takes a broker, never
   * the quorum.
   */
  @Test
  void aSingleControllerQuorumRunsBesideTheBrokers() throws Exception {
    try (EmbeddedKafkaCluster kafka =
            EmbeddedKafkaCluster.builder().brokers(3).controllers(1).start();
        Admin admin = Admin.create(kafka.clientProperties())) {
      assertThat(kafka.brokerIds()).containsExactly(1, 2, 3);
      var quorum = admin.describeMetadataQuorum().quorumInfo().get();
      assertThat(quorum.voters())
          .singleElement()
          .satisfies(v -> assertThat(v.replicaId()).isZero());
      assertThat(admin.describeCluster().nodes().get())
          .extracting(n -> n.id())
          .containsExactlyInAnyOrder(1, 2, 3);
      kafka.createTopics(List.of(new NewTopic(TOPIC, Optional.of(1), Optional.empty())));
      kafka.kill(1);
      try (KafkaProducer<String, String> producer =
          Clients.producer(kafka.clientProperties(), Map.of())) {
        Clients.send(producer, TOPIC, "with broker 1 down");
      }
      try (KafkaConsumer<String, String> consumer =
          Clients.consumer(kafka.clientProperties(), "g", Map.of())) {
        consumer.subscribe(List.of(TOPIC));
        assertThat(Clients.poll(consumer, 1, Duration.ofSeconds(60)))
            .containsExactly("with broker 1 down");
      }
    }
  }

  private static void sendInTransaction(KafkaProducer<String, String> producer, String[] values)
      throws Exception {
    producer.beginTransaction();
    for (String v : values) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TOPIC, v, v));
    }
    producer.commitTransaction();
  }

  private static void awaitFullIsr(Admin admin) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      List<TopicPartitionInfo> partitions =
          admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions();
      if (partitions.stream().allMatch(p -> p.isr().size() == 3)) {
        return;
      }
      assertThat(System.nanoTime())
          .as("ISR back to 3 within a minute: %s", partitions)
          .isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}

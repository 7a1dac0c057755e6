package io.pagedstream.processor;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.serde.AvroDeserializer;
import io.pagedstream.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A real broker with the pipeline's topics, and helpers to feed batches and read completions. */
final class PipelineFixture implements AutoCloseable {

  final EmbeddedKafka kafka;
  final KafkaSettings settings;

  PipelineFixture(int partitions) {
    kafka = EmbeddedKafka.builder().defaultPartitions(partitions).start();
    kafka.createTopics(
        List.of(
            new NewTopic(Topics.BATCHES, partitions, (short) 1),
            new NewTopic(Topics.COMPLETIONS, partitions, (short) 1),
            new NewTopic(Topics.DEAD_LETTER, 1, (short) 1),
            new NewTopic(Topics.RESPONSE_CACHE, partitions, (short) 1)
                .configs(Map.of("cleanup.policy", "compact"))));
    Map<String, Object> m = new HashMap<>(kafka.clientProperties());
    m.put("schema.registry.url", "mock://processor-test-" + UUID.randomUUID());
    m.put("session.timeout.ms", 10_000);
    settings = KafkaSettings.of(m);
  }

  static BatchedRequest request(String id, int[] prompt, int maxTokens) {
    List<Integer> ids = new ArrayList<>();
    for (int t : prompt) {
      ids.add(t);
    }
    return BatchedRequest.newBuilder()
        .setId(id)
        .setJobId("job")
        .setPromptTokenIds(ids)
        .setMaxTokens(maxTokens)
        .setTemperature(0)
        .setTopP(1)
        .setTopK(0)
        .setSeed(null)
        .setIgnoreEos(true)
        .setSubmittedAtMs(System.currentTimeMillis())
        .setEstimatedKvBlocks(0)
        .setPromptWasText(false)
        .build();
  }

  void sendBatches(List<GenerationBatch> batches) {
    AvroSerializer<GenerationBatch> ser = new AvroSerializer<>();
    ser.configure(settings.asMap(), false);
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(settings.asMap(), new StringSerializer(), new ByteArraySerializer())) {
      for (GenerationBatch b : batches) {
        p.send(
            new ProducerRecord<>(Topics.BATCHES, b.getBatchId(), ser.serialize(Topics.BATCHES, b)));
      }
      p.flush();
    }
  }

  void sendRaw(String topic, String key, byte[] value) {
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(settings.asMap(), new StringSerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, key, value));
      p.flush();
    }
  }

  /**
   * Waits until the consumer group is stable with {@code members} members that each own partitions,
   * so work sent afterwards meets no initial rebalance (a fixed sleep lost that race when the group
   * coordinator was still loading).
   */
  void awaitGroupStable(String groupId, int members, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(kafka.clientProperties())) {
      while (true) {
        var group =
            admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
        if (group.groupState() == org.apache.kafka.common.GroupState.STABLE
            && group.members().size() == members
            && group.members().stream()
                .noneMatch(m -> m.assignment().topicPartitions().isEmpty())) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "group " + groupId + " not stable with " + members + " members: " + group);
        }
        Thread.sleep(100);
      }
    }
  }

  /** Reads committed completions until {@code expected} arrived (or the timeout), all of them. */
  List<Completion> readCompletions(int expected, Duration timeout) {
    AvroDeserializer<Completion> de = new AvroDeserializer<>(Completion.class);
    de.configure(settings.asMap(), false);
    List<Completion> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : read(Topics.COMPLETIONS, expected, timeout)) {
      out.add(de.deserialize(r.topic(), r.value()));
    }
    return out;
  }

  List<ConsumerRecord<String, byte[]>> read(String topic, int expected, Duration timeout) {
    Map<String, Object> props =
        settings.with(
            Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // a little longer, so that duplicates beyond the expected count would be seen too
      long settle = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < settle) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  @Override
  public void close() {
    kafka.close();
  }
}

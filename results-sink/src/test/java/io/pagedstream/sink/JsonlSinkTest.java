package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.connect.AvroConverter;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSONL connector in an in-process worker against a real broker. */
class JsonlSinkTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final int PARTITIONS = 3;

  private static EmbeddedKafka kafka;
  private final String registryUrl = "mock://jsonl-sink-" + UUID.randomUUID();

  @TempDir Path out;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.builder().start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static void freshTopic() {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      if (admin.listTopics().names().get().contains(Topics.COMPLETIONS)) {
        admin.deleteTopics(List.of(Topics.COMPLETIONS)).all().get();
        Await.until("topic deletion", TIMEOUT, () -> !topicExists(admin));
      }
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(e);
    }
    kafka.createTopics(List.of(new NewTopic(Topics.COMPLETIONS, PARTITIONS, (short) 1)));
  }

  private static boolean topicExists(Admin admin) {
    try {
      return admin.listTopics().names().get().contains(Topics.COMPLETIONS);
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(e);
    }
  }

  private Map<String, String> connectorConfig(String name) {
    Map<String, String> config = new HashMap<>();
    config.put("name", name);
    config.put("connector.class", CompletionSinkConnector.class.getName());
    config.put("tasks.max", "2");
    config.put("topics", Topics.COMPLETIONS);
    config.put("output.dir", out.toString());
    config.put("consumer.override.isolation.level", "read_committed");
    return config;
  }

  private EmbeddedConnect.Builder worker() {
    return EmbeddedConnect.builder(kafka.bootstrapServers())
        .workerProperty("value.converter.schema.registry.url", registryUrl)
        .workerProperty("offset.flush.interval.ms", "500");
  }

  private CompletionProducer producer() {
    Serializer<Completion> avro =
        AvroSerdes.serde(Completion.class, Map.of(SchemaRegistryConfig.URL, registryUrl))
            .serializer();
    return new CompletionProducer(
        kafka.clientProperties(), c -> avro.serialize(Topics.COMPLETIONS, c));
  }

  @Test
  void everyCompletionLandsOnceAcrossAKillAndARestart() throws Exception {
    freshTopic();
    String name = "jsonl-" + UUID.randomUUID();
    OutputFiles files = new OutputFiles(out);
    try (CompletionProducer producer = producer();
        EmbeddedConnect connect = worker().connector(connectorConfig(name)).start()) {
      connect.awaitRunning(name, TIMEOUT);
      producer.produce(0, 150, 10);
      producer.produceAborted(20);
      producer.produce(150, 300, 10);
      Await.until(
          "some completions in the files", TIMEOUT, () -> files.distinctIdsWhileWriting() >= 100);

      connect.kill();

      // The consumer group never runs ahead of the files ...
      Map<TopicPartition, Long> fileOffsets = commitRecordOffsets();
      Map<TopicPartition, OffsetAndMetadata> group = groupOffsets("connect-" + name);
      group.forEach(
          (tp, committed) ->
              assertThat(committed.offset())
                  .as("group offset of %s", tp)
                  .isLessThanOrEqualTo(fileOffsets.get(tp) + 1));
      // ... and is not what the sink resumes from: move it back to the start of the topic.
      rewindGroup("connect-" + name);

      producer.produce(300, 450, 10);
      connect.start();
      connect.awaitRunning(name, TIMEOUT);
      producer.produce(450, 600, 10);
      Await.until(
          "all 600 completions in the files",
          TIMEOUT,
          () -> files.distinctIdsWhileWriting() == 600,
          () -> files.distinctIdsWhileWriting() + " so far");
      connect.stop();
    }

    files.assertExactlyOnce(600);
    assertThat(files.lines()).noneMatch(l -> l.id().startsWith("aborted-"));
  }

  @Test
  void aValueThatIsNoCompletionGoesToTheDeadLetterTopicAndTheRestIsWritten() throws Exception {
    freshTopic();
    // the repository's connector config, as shipped, with only the directory changed
    Map<String, String> config =
        ConnectConfigFilesTest.properties("completion-jsonl-sink.properties");
    config.put("name", "dlq-" + UUID.randomUUID());
    config.put("output.dir", out.toString());
    String deadLetters = config.get("errors.deadletterqueue.topic.name");
    AvroConverter converter = new AvroConverter();
    converter.configure(Map.of(SchemaRegistryConfig.URL, registryUrl), false);
    Schema notACompletion =
        SchemaBuilder.struct().name("Other").field("id", Schema.STRING_SCHEMA).build();
    // registered under another subject: llm.completions-value only accepts compatible schemas
    byte[] bad =
        converter.fromConnectData(
            "elsewhere", notACompletion, new Struct(notACompletion).put("id", "not-a-completion"));

    OutputFiles files = new OutputFiles(out);
    try (CompletionProducer producer = producer();
        EmbeddedConnect connect = worker().connector(config).start()) {
      connect.awaitRunning(config.get("name"), TIMEOUT);
      producer.produce(0, 30, 10);
      producer.produceRaw("not-a-completion", bad);
      producer.produce(30, 60, 10);
      Await.until(
          "60 completions in the files", TIMEOUT, () -> files.distinctIdsWhileWriting() == 60);
      connect.stop();
    }
    files.assertExactlyOnce(60);
    List<ConsumerRecord<String, byte[]>> dead = readAll(deadLetters, 1);
    assertThat(dead)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.key()).isEqualTo("not-a-completion");
              assertThat(
                      new String(
                          r.headers().lastHeader("__connect.errors.exception.message").value(),
                          java.nio.charset.StandardCharsets.UTF_8))
                  .contains("Completion has no finish_reason");
            });
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int atLeast) {
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put("group.id", "reader-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, byte[]>> records = new java.util.ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      Await.until(
          atLeast + " records in " + topic,
          TIMEOUT,
          () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size() >= atLeast;
          });
    }
    return records;
  }

  @Test
  void aConnectorWithABadSettingIsRefusedWithItsName() {
    Map<String, String> config = connectorConfig("bad-" + UUID.randomUUID());
    config.put("line.extra.fields", "timings");
    try (EmbeddedConnect connect = worker().start()) {
      assertThatThrownBy(() -> connect.putConnector(config))
          .isInstanceOf(ConnectException.class)
          .hasMessageContaining("line.extra.fields");
    }
  }

  private Map<TopicPartition, Long> commitRecordOffsets() throws IOException {
    OutputLayout layout = new OutputLayout(out);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      TopicPartition tp = new TopicPartition(Topics.COMPLETIONS, p);
      offsets.put(
          tp, CommitRecord.read(layout.commitRecord(tp)).map(CommitRecord::offset).orElse(-1L));
    }
    return offsets;
  }

  private static Map<TopicPartition, OffsetAndMetadata> groupOffsets(String group)
      throws Exception {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    }
  }

  private static void rewindGroup(String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      zero.put(new TopicPartition(Topics.COMPLETIONS, p), new OffsetAndMetadata(0));
    }
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      // the killed worker's consumers have left, so the group is empty and may be altered
      Await.until(
          "an empty consumer group",
          TIMEOUT,
          () -> {
            try {
              admin.alterConsumerGroupOffsets(group, zero).all().get();
              return true;
            } catch (InterruptedException | ExecutionException e) {
              return false;
            }
          });
    }
  }
}

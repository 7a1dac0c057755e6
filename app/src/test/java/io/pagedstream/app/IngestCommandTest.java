package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.serde.AvroDeserializer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line docker-compose uses: {@code pagedstream ingest --input ...}, through the
 * launcher.
 */
class IngestCommandTest {

  private static EmbeddedKafka kafka;

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.builder().defaultPartitions(2).start();
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
  }

  private int run(String... args) {
    CommandLine cl = PagedStream.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] withCommand = new String[args.length + 1];
    withCommand[0] = "ingest";
    System.arraycopy(args, 0, withCommand, 1, args.length);
    return cl.execute(withCommand);
  }

  /** A client file as docker/config/client.properties would give it, with the test's registry. */
  private Path clientProperties(TestTopics t) throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(
        file,
        "schema.registry.url=mock://"
            + t.scope()
            + "\n"
            + "linger.ms=5\n"
            // a setting ingest must not take over: it always writes with acks=all
            + "acks=1\n");
    return file;
  }

  private String[] topicArgs(TestTopics t) {
    return new String[] {
      "--requests-topic",
      t.requests(),
      "--completions-topic",
      t.completions(),
      "--progress-topic",
      t.progress()
    };
  }

  @Test
  void ingestsAFileAndPrintsTheSummaryAsJson() throws Exception {
    TestTopics t = TestTopics.create();
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, "{\"id\":\"1\",\"prompt\":\"a\"}\n{\"id\":\"2\"}\n");

    int code =
        run(
            concat(
                new String[] {
                  "--bootstrap-servers",
                  kafka.bootstrapServers(),
                  "--kafka-config",
                  clientProperties(t).toString(),
                  "--input",
                  input.toString(),
                  "--job-id",
                  "cli-job"
                },
                topicArgs(t)));

    assertThat(code).as(err.toString()).isZero();
    JsonNode summary = new ObjectMapper().readTree(out.toString());
    assertThat(summary.get("job_id").asText()).isEqualTo("cli-job");
    assertThat(summary.get("lines").asLong()).isEqualTo(2);
    assertThat(summary.get("requests").asLong()).isEqualTo(1);
    assertThat(summary.get("errors").asLong()).isEqualTo(1);
    assertThat(err.toString())
        .contains("ingest: job cli-job: 2 lines from in.jsonl -> 1 requests, 1 error results");
    List<ConsumerRecord<String, byte[]>> reads = t.readCommitted(2);
    assertThat(reads).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void readsStdinForADash() throws Exception {
    TestTopics t = TestTopics.create();
    InputStream original = System.in;
    System.setIn(
        new ByteArrayInputStream("{\"prompt\":\"from stdin\"}\n".getBytes(StandardCharsets.UTF_8)));
    int code;
    try {
      // the registry from its own flag this time, with no client file at all
      code =
          run(
              concat(
                  new String[] {
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--schema-registry-url",
                    "mock://" + t.scope(),
                    "--input",
                    "-",
                    "--no-transactions"
                  },
                  topicArgs(t)));
    } finally {
      System.setIn(original);
    }

    assertThat(code).as(err.toString()).isZero();
    assertThat(new ObjectMapper().readTree(out.toString()).has("transactional_id")).isFalse();
    List<ConsumerRecord<String, byte[]>> reads = t.readCommitted(1);
    assertThat(reads).extracting(ConsumerRecord::key).containsExactly("line-1");
    assertThat(t.request(reads.get(0)).getPrompt()).isEqualTo("from stdin");
  }

  @Test
  void failsWithANonZeroExitWhenKafkaCannotTakeTheInput() throws Exception {
    TestTopics t = TestTopics.create();
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, "{\"id\":\"1\",\"prompt\":\"a\"}\n");

    int code =
        run(
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--kafka-config",
            clientProperties(t).toString(),
            "--input",
            input.toString(),
            "--requests-topic",
            "missing-" + t.scope());

    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("topic missing-" + t.scope() + " does not exist");
  }

  /**
   * Fresh topics and registry scope on the shared broker, so that the tests never see each other's
   * records.
   */
  private record TestTopics(String requests, String completions, String progress, String scope) {

    static TestTopics create() {
      String suffix = UUID.randomUUID().toString().substring(0, 8);
      TestTopics t =
          new TestTopics(
              "requests-" + suffix,
              "completions-" + suffix,
              "progress-" + suffix,
              "ingest-cli-" + suffix);
      kafka.createTopics(t.requests, t.completions);
      return t;
    }

    GenerationRequest request(ConsumerRecord<String, byte[]> r) {
      AvroDeserializer<GenerationRequest> reader = new AvroDeserializer<>(GenerationRequest.class);
      reader.configure(Map.of("schema.registry.url", "mock://" + scope), false);
      return reader.deserialize(r.topic(), r.value());
    }

    /**
     * Both topics read_committed from the start until {@code expected} records are there (60 s at
     * most).
     */
    List<ConsumerRecord<String, byte[]>> readCommitted(int expected) {
      Map<String, Object> props =
          KafkaClientSettings.assignedConsumer(
                  KafkaSettings.of(kafka.clientProperties()), "ingest-cli-test")
              .build();
      List<ConsumerRecord<String, byte[]>> reads = new ArrayList<>();
      try (KafkaConsumer<String, byte[]> consumer =
          new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(requests, completions)) {
          consumer
              .partitionsFor(topic)
              .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (reads.size() < expected && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(reads::add);
        }
      }
      return reads;
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}

package io.pagedstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.ingest.TestTopics.Read;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line the launcher and docker-compose use: {@code ingest --input ...}. */
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
    CommandLine cl = new CommandLine(new IngestCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  /** A client file as docker/config/client.properties would give it, with the test's registry. */
  private Path clientProperties(TestTopics t) throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(file, "schema.registry.url=mock://" + t.scope() + "\n"
        + "linger.ms=5\n"
        // a setting ingest must not take over: it always writes with acks=all
        + "acks=1\n");
    return file;
  }

  private String[] topicArgs(TestTopics t) {
    return new String[] {"--requests-topic", t.names().requests(), "--completions-topic", t.names().completions(),
        "--progress-topic", t.names().progress()};
  }

  @Test
  void ingestsAFileAndPrintsTheSummaryAsJson() throws Exception {
    TestTopics t = TestTopics.create(kafka);
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, "{\"id\":\"1\",\"prompt\":\"a\"}\n{\"id\":\"2\"}\n");

    int code = run(concat(new String[] {"--bootstrap-servers", kafka.bootstrapServers(),
        "--kafka-config", clientProperties(t).toString(), "--input", input.toString(), "--job-id", "cli-job"},
        topicArgs(t)));

    assertThat(code).as(err.toString()).isZero();
    JsonNode summary = new ObjectMapper().readTree(out.toString());
    assertThat(summary.get("job_id").asText()).isEqualTo("cli-job");
    assertThat(summary.get("lines").asLong()).isEqualTo(2);
    assertThat(summary.get("requests").asLong()).isEqualTo(1);
    assertThat(summary.get("errors").asLong()).isEqualTo(1);
    assertThat(err.toString()).contains("ingest: job cli-job: 2 lines from in.jsonl -> 1 requests, 1 error results");
    List<Read> reads = t.readCommitted(2);
    assertThat(reads).extracting(Read::key).containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void readsStdinForADash() throws Exception {
    TestTopics t = TestTopics.create(kafka);
    InputStream original = System.in;
    System.setIn(new ByteArrayInputStream("{\"prompt\":\"from stdin\"}\n".getBytes(StandardCharsets.UTF_8)));
    int code;
    try {
      // the registry from its own flag this time, with no client file at all
      code = run(concat(new String[] {"--bootstrap-servers", kafka.bootstrapServers(),
          "--schema-registry-url", "mock://" + t.scope(), "--input", "-", "--no-transactions"}, topicArgs(t)));
    } finally {
      System.setIn(original);
    }

    assertThat(code).as(err.toString()).isZero();
    assertThat(new ObjectMapper().readTree(out.toString()).has("transactional_id")).isFalse();
    List<Read> reads = t.readCommitted(1);
    assertThat(reads).extracting(Read::key).containsExactly("line-1");
    assertThat(reads.get(0).request().getPrompt()).isEqualTo("from stdin");
  }

  @Test
  void failsWithANonZeroExitWhenKafkaCannotTakeTheInput() throws Exception {
    TestTopics t = TestTopics.create(kafka);
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, "{\"id\":\"1\",\"prompt\":\"a\"}\n");

    int code = run("--bootstrap-servers", kafka.bootstrapServers(), "--kafka-config", clientProperties(t).toString(),
        "--input", input.toString(), "--requests-topic", "missing-" + t.scope());

    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("topic missing-" + t.scope() + " does not exist");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}

package io.pagedstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.ingest.TestTopics.Read;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.serde.AvroSerializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSONL ingest against a real broker, read back as the batcher and sinks read: read_committed. */
class JsonlIngestTest {

  private static EmbeddedKafka kafka;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.builder().defaultPartitions(4).start();
  }

  @AfterAll
  static void closeBroker() {
    kafka.close();
  }

  /** Good and bad lines of every kind; 5 requests and 11 error results. */
  private static byte[] mixedInput() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    write(b, "{\"id\":\"a\",\"prompt\":\"Hello\"}\n"); // 1 request
    write(b, "{\"id\":\"b\",\"prompt_token_ids\":[1,2,3],\"max_tokens\":4}\n"); // 2 request
    write(b, "this is not json\n"); // 3 line-3
    write(b, "{\"id\":\"d\",\"prompt\":5}\n"); // 4 wrong type
    write(b, "{\"id\":\"e\",\"prompt\":\"x\",\"max_tokens\":-1}\n"); // 5 out of range
    b.write(0xff);
    b.write(0xfe);
    write(b, "{\"id\":\"f\"}\n"); // 6 not UTF-8
    write(b, "{\"id\":\"g\",\"max_tokens\":3}\n"); // 7 no prompt
    write(b, "{\"id\":\"a\",\"prompt\":\"again\"}\n"); // 8 duplicate
    write(b, "{\"prompt\":\"no id\"}\n"); // 9 request line-9
    write(b, "\n"); // 10 empty
    write(b, "{\"id\":\"k\",\"prompt\":\"hi\",\"job_id\":\"other-job\"}\n"); // 11 request
    write(b, "{\"id\":\"l\",\"prompt_token_ids\":[]}\n"); // 12 empty ids
    write(b, "{\"id\":\"m\",\"prompt_token_ids\":[-1]}\n"); // 13 negative id
    write(b, "{\"id\":\"n\",\"prompt\":\"\"}\n"); // 14 empty prompt
    write(b, "{\"id\":\"o\",\"prompt\":\"" + "w".repeat(2 * 1024 * 1024) + "\"}\n"); // 15 too large
    write(b, "{\"id\":\"p\",\"prompt\":\"t\",\"temperature\":0,\"top_k\":3,\"seed\":42}"); // 16, no
    // final
    // newline
    return b.toByteArray();
  }

  private static void write(ByteArrayOutputStream b, String s) {
    b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] lines(int from, int to) {
    StringBuilder s = new StringBuilder();
    for (int i = from; i <= to; i++) {
      // every third line is bad, so resumed runs must keep both kinds straight
      s.append(
              i % 3 == 0
                  ? "{\"id\":\"r" + i + "\",\"max_tokens\":0}"
                  : "{\"id\":\"r" + i + "\",\"prompt\":\"p" + i + "\"}")
          .append('\n');
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void assertEachKeyOnce(List<Read> reads) {
    List<String> keys = reads.stream().map(Read::key).toList();
    assertThat(keys).doesNotHaveDuplicates();
  }

  @Test
  void everyLineOfAFileEndsAsExactlyOneRequestOrErrorResult() throws IOException {
    TestTopics t = TestTopics.create(kafka);
    Path file = dir.resolve("prompts.jsonl");
    Files.write(file, mixedInput());

    IngestSummary s =
        new JsonlIngest(
                t.settings(),
                IngestConfig.ofFile(file)
                    .withTopics(t.names())
                    .withJobId("mixed")
                    .withChunkLines(4)
                    .withChunkMaxAge(Duration.ofSeconds(60)))
            .run();

    assertThat(s.lines()).isEqualTo(16);
    assertThat(s.requests()).isEqualTo(5);
    assertThat(s.errors()).isEqualTo(11);
    assertThat(s.resumedLines()).isZero();
    assertThat(s.jobId()).isEqualTo("mixed");
    assertThat(s.source()).isEqualTo("prompts.jsonl");
    assertThat(s.transactionalId()).isEqualTo("pagedstream-ingest.mixed.prompts.jsonl");
    assertThat(s.chunks()).isEqualTo(5); // four full chunks of 4, then the final progress

    List<Read> reads = t.readCommitted(16);
    assertThat(reads).hasSize(16);
    assertEachKeyOnce(reads);
    Map<String, Read> byKey = TestTopics.byKey(reads);
    assertThat(reads.stream().filter(r -> r.topic().equals(t.names().requests())).map(Read::key))
        .containsExactlyInAnyOrder("a", "b", "line-9", "k", "p");
    assertThat(reads.stream().filter(r -> r.topic().equals(t.names().completions())).map(Read::key))
        .containsExactlyInAnyOrder(
            "line-3", "d", "e", "line-6", "g", "line-8", "line-10", "l", "m", "n", "o");

    assertThat(byKey.get("a").request().getPrompt()).isEqualTo("Hello");
    assertThat(byKey.get("a").request().getJobId()).isEqualTo("mixed");
    assertThat(byKey.get("b").request().getPromptTokenIds()).containsExactly(1, 2, 3);
    assertThat(byKey.get("b").request().getMaxTokens()).isEqualTo(4);
    assertThat(byKey.get("k").request().getJobId()).isEqualTo("other-job");
    GenerationRequest p = byKey.get("p").request();
    assertThat(p.getTemperature()).isEqualTo(0.0);
    assertThat(p.getTopK()).isEqualTo(3);
    assertThat(p.getSeed()).isEqualTo(42L);

    Map<String, String> errors = new HashMap<>();
    reads.stream()
        .filter(r -> r.topic().equals(t.names().completions()))
        .forEach(
            r -> {
              assertThat(r.completion().getFinishReason()).isEqualTo(FinishReason.ERROR.wire());
              assertThat(r.completion().getJobId()).isEqualTo("mixed");
              assertThat(r.completion().getId()).isEqualTo(r.key());
              assertThat(r.completion().getError()).doesNotContain("\n");
              errors.put(r.key(), r.completion().getError());
            });
    assertThat(errors.get("line-3")).startsWith("line 3 is not valid JSON");
    assertThat(errors.get("d")).isEqualTo("prompt must be a string, got 5");
    assertThat(errors.get("e")).isEqualTo("max_tokens must be >= 1, got -1");
    assertThat(errors.get("line-6")).isEqualTo("line 6 is not valid UTF-8");
    assertThat(errors.get("g")).contains("request has no prompt");
    assertThat(errors.get("line-8")).isEqualTo("duplicate id \"a\" (already used on line 1)");
    assertThat(errors.get("line-10")).isEqualTo("line 10 is empty");
    assertThat(errors.get("l")).isEqualTo("prompt_token_ids is empty");
    assertThat(errors.get("m")).isEqualTo("prompt_token_ids[0] = -1 is negative");
    assertThat(errors.get("n")).isEqualTo("prompt is empty");
    assertThat(errors.get("o")).startsWith("request is ").contains("bytes, more than the");
  }

  @Test
  void theComposeExampleInputHasThreeRequestsAndThreeErrorResults() {
    // docker/README.md promises this of the file docker-compose.yml ingests by default
    Path example = Path.of("..", "docker", "input", "example.jsonl");
    TestTopics t = TestTopics.create(kafka);

    IngestSummary s =
        new JsonlIngest(t.settings(), IngestConfig.ofFile(example).withTopics(t.names())).run();

    assertThat(s.requests()).isEqualTo(3);
    assertThat(s.errors()).isEqualTo(3);
    assertThat(t.readCommitted(6))
        .extracting(Read::key)
        .containsExactlyInAnyOrder(
            "example-1", "example-2", "example-3", "example-4", "line-5", "example-6");
  }

  @Test
  void stdinIsReadToItsEndUnderAGeneratedJobId() {
    TestTopics t = TestTopics.create(kafka);

    IngestSummary s =
        new JsonlIngest(t.settings(), t.config().withChunkLines(3))
            .run(new ByteArrayInputStream(lines(1, 10)), "stdin");

    assertThat(s.jobId()).matches("job-\\d{8}-\\d{6}-[0-9a-f]{6}");
    assertThat(s.transactionalId()).isEqualTo("pagedstream-ingest." + s.jobId() + ".stdin");
    assertThat(s.lines()).isEqualTo(10);
    assertThat(s.requests()).isEqualTo(7);
    assertThat(s.errors()).isEqualTo(3);
    List<Read> reads = t.readCommitted(10);
    assertThat(reads).hasSize(10);
    assertEachKeyOnce(reads);
    assertThat(reads)
        .allSatisfy(
            r ->
                assertThat(
                        r.topic().equals(t.names().requests())
                            ? r.request().getJobId()
                            : r.completion().getJobId())
                    .isEqualTo(s.jobId()));
  }

  @Test
  void slowStdinIsCommittedWhileItIsStillOpen() throws Exception {
    TestTopics t = TestTopics.create(kafka);
    PipedOutputStream feed = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(feed, 1 << 16);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      Future<IngestSummary> run =
          executor.submit(
              () ->
                  new JsonlIngest(
                          t.settings(),
                          t.config().withJobId("trickle").withChunkMaxAge(Duration.ofMillis(200)))
                      .run(stdin, "stdin"));
      feed.write(lines(1, 2));
      feed.flush();

      // far fewer lines than a chunk, and the input has not ended: only the age commits them
      List<Read> early = t.readCommitted(2);
      if (early.size() < 2 && run.isDone()) {
        run.get(); // the run failed: show why rather than an empty list
      }
      assertThat(early).hasSize(2);

      feed.write(lines(3, 4));
      feed.close();
      IngestSummary s = run.get(120, TimeUnit.SECONDS);
      assertThat(s.lines()).isEqualTo(4);
      List<Read> reads = t.readCommitted(4);
      assertThat(reads).hasSize(4);
      assertEachKeyOnce(reads);
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void aRunThatFailsMidFileIsResumedWithoutDuplicatesOrGaps() {
    TestTopics t = TestTopics.create(kafka);
    // a long chunk age, so that only the line count ends chunks, however slow the machine
    IngestConfig config =
        t.config().withJobId("resume").withChunkLines(2).withChunkMaxAge(Duration.ofSeconds(60));
    byte[] all = lines(1, 8);
    byte[] firstFive = lines(1, 5);

    // the input breaks after line 5: lines 1-4 are two committed chunks, line 5 an open one
    assertThatThrownBy(
            () -> new JsonlIngest(t.settings(), config).run(new BreakingStream(firstFive), "stdin"))
        .isInstanceOf(IngestException.class)
        .hasMessageContaining("cannot read stdin after line 5")
        .hasMessageContaining("run again with --job-id resume to resume");
    List<Read> committed = t.readCommitted(4);
    assertThat(committed).extracting(Read::key).containsExactlyInAnyOrder("r1", "r2", "r3", "r4");

    IngestSummary s =
        new JsonlIngest(t.settings(), config).run(new ByteArrayInputStream(all), "stdin");

    assertThat(s.resumedLines()).isEqualTo(4);
    assertThat(s.lines()).isEqualTo(8);
    assertThat(s.requests() + s.errors()).isEqualTo(4);
    List<Read> reads = t.readCommitted(8);
    assertThat(reads).hasSize(8);
    assertEachKeyOnce(reads);
    assertThat(reads)
        .extracting(Read::key)
        .containsExactlyInAnyOrder("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8");
    assertThat(TestTopics.byKey(reads).get("r6").topic()).isEqualTo(t.names().completions());
  }

  @Test
  void aCrashedRunsOpenTransactionIsAbortedWhenTheJobIsRunAgain() {
    TestTopics t = TestTopics.create(kafka);
    // a "crashed" ingest: same transactional id, a record sent in a transaction never committed
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put("transactional.id", "pagedstream-ingest.crashed.stdin");
    KafkaProducer<String, byte[]> zombie =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    try {
      zombie.initTransactions();
      zombie.beginTransaction();
      byte[] value =
          new AvroSerializer<GenerationRequest>(SchemaRegistries.mockScope(t.scope()))
              .serialize(
                  t.names().requests(),
                  GenerationRequest.newBuilder().setId("zombie").setPrompt("z").build());
      zombie.send(new ProducerRecord<>(t.names().requests(), "zombie", value));
      zombie.flush();

      IngestSummary s =
          new JsonlIngest(t.settings(), t.config().withJobId("crashed"))
              .run(new ByteArrayInputStream(lines(1, 3)), "stdin");

      assertThat(s.lines()).isEqualTo(3);
      List<Read> reads = t.readCommitted(3);
      assertThat(reads).extracting(Read::key).containsExactlyInAnyOrder("r1", "r2", "r3");
      // the zombie's record was written, and is hidden only because its transaction was aborted
      assertThat(t.read(4, "read_uncommitted")).extracting(Read::key).contains("zombie");
    } finally {
      zombie.close(Duration.ofSeconds(5));
    }
  }

  @Test
  void aFinishedJobRunAgainSendsNothingAndDifferentInputIsRefused() {
    TestTopics t = TestTopics.create(kafka);
    IngestConfig config = t.config().withJobId("again");
    new JsonlIngest(t.settings(), config).run(new ByteArrayInputStream(lines(1, 3)), "stdin");

    IngestSummary again =
        new JsonlIngest(t.settings(), config).run(new ByteArrayInputStream(lines(1, 3)), "stdin");
    assertThat(again.resumedLines()).isEqualTo(3);
    assertThat(again.requests() + again.errors()).isZero();

    assertThatThrownBy(
            () ->
                new JsonlIngest(t.settings(), config)
                    .run(new ByteArrayInputStream(lines(2, 4)), "stdin"))
        .isInstanceOf(IngestException.class)
        .hasMessageContaining(
            "the first 3 lines of stdin differ from the ones pagedstream-ingest.again.stdin committed");
    assertThatThrownBy(
            () ->
                new JsonlIngest(t.settings(), config)
                    .run(new ByteArrayInputStream(lines(1, 2)), "stdin"))
        .isInstanceOf(IngestException.class)
        .hasMessageContaining(
            "stdin has 2 lines, but pagedstream-ingest.again.stdin already committed 3");

    // a grown input continues with its new lines
    IngestSummary grown =
        new JsonlIngest(t.settings(), config).run(new ByteArrayInputStream(lines(1, 5)), "stdin");
    assertThat(grown.resumedLines()).isEqualTo(3);
    assertThat(grown.requests() + grown.errors()).isEqualTo(2);

    List<Read> reads = t.readCommitted(5);
    assertThat(reads).hasSize(5);
    assertEachKeyOnce(reads);
  }

  @Test
  void anExplicitTransactionalIdResumesUnderTheJobIdTheFirstRunUsed() {
    TestTopics t = TestTopics.create(kafka);
    IngestConfig config =
        t.config().withTransactionalId("my-ingest-" + t.scope()).withChunkLines(1);

    assertThatThrownBy(
            () -> new JsonlIngest(t.settings(), config).run(new BreakingStream(lines(1, 2)), "in"))
        .hasMessageContaining("run again with --transactional-id my-ingest-");
    IngestSummary s =
        new JsonlIngest(t.settings(), config).run(new ByteArrayInputStream(lines(1, 4)), "in");

    assertThat(s.resumedLines()).isEqualTo(2);
    List<Read> reads = t.readCommitted(4);
    assertThat(reads).hasSize(4);
    assertThat(reads)
        .allSatisfy(
            r ->
                assertThat(
                        r.topic().equals(t.names().requests())
                            ? r.request().getJobId()
                            : r.completion().getJobId())
                    .isEqualTo(s.jobId()));
  }

  @Test
  void withoutTransactionsEveryLineIsStillWrittenOnce() throws Exception {
    TestTopics t = TestTopics.create(kafka);

    IngestSummary s =
        new JsonlIngest(t.settings(), t.config().withoutTransactions())
            .run(new ByteArrayInputStream(lines(1, 6)), "stdin");

    assertThat(s.transactionalId()).isNull();
    assertThat(s.chunks()).isZero();
    List<Read> reads = t.readCommitted(6);
    assertThat(reads).hasSize(6);
    assertEachKeyOnce(reads);
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS))
          .doesNotContain(t.names().progress());
    }
  }

  @Test
  void aMissingTopicOrRegistryIsOneClearErrorBeforeAnyLineIsRead() {
    TestTopics t = TestTopics.create(kafka);
    TopicNames missing =
        new TopicNames("no-such-topic-" + t.scope(), t.names().completions(), t.names().progress());
    InputStream unread = new ByteArrayInputStream(lines(1, 1));

    assertThatThrownBy(
            () ->
                new JsonlIngest(t.settings(), t.config().withTopics(missing)).run(unread, "stdin"))
        .isInstanceOf(IngestException.class)
        .hasMessage(
            "topic no-such-topic-"
                + t.scope()
                + " does not exist on "
                + kafka.bootstrapServers()
                + ": create it first (see docker/README.md for the topic settings)");

    Map<String, Object> noRegistry = new HashMap<>(kafka.clientProperties());
    assertThatThrownBy(
            () ->
                new JsonlIngest(io.pagedstream.schemas.KafkaSettings.of(noRegistry), t.config())
                    .run(unread, "stdin"))
        .isInstanceOf(IngestException.class)
        .hasMessageContaining("no schema.registry.url");
  }

  @Test
  void aMissingInputFileIsOneClearError() {
    TestTopics t = TestTopics.create(kafka);
    Path missing = dir.resolve("missing.jsonl");

    assertThatThrownBy(() -> new JsonlIngest(t.settings(), IngestConfig.ofFile(missing)).run())
        .isInstanceOf(IngestException.class)
        .hasMessage("input file " + missing + " does not exist");
  }

  /** Serves its bytes, then fails like a disk or pipe that broke. */
  static final class BreakingStream extends InputStream {
    private final byte[] content;
    private int pos;

    BreakingStream(byte[] content) {
      this.content = content;
    }

    @Override
    public int read() throws IOException {
      if (pos < content.length) {
        return content[pos++] & 0xff;
      }
      throw new IOException("device went away");
    }
  }
}

package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.serde.AvroSerdes;
import io.pagedstream.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad input gets exactly one error completion, and the stream goes on. */
class BadInputTest {

  /**
   * The dead-letter tests run the driver at least once. Under exactly_once_v2 the driver loses what
   * a deserialization handler sends: the handler runs while the record is queued, inside the open
   * transaction, and the driver clears its mock producer's uncommitted sends before it processes
   * and commits (TopologyTestDriver 4.3.1). Real Kafka Streams commits them with the record's
   * offset; {@code BatcherIntegrationTest} checks that on a broker.
   */
  static final Map<String, Object> DRIVER_DEAD_LETTERS =
      Map.of("processing.guarantee", "at_least_once");

  @TempDir Path stateDir;

  private BatcherTestDriver deadLetterDriver() {
    return new BatcherTestDriver(BatcherTopologyTest.CONFIG, stateDir, null, DRIVER_DEAD_LETTERS);
  }

  static Stream<Arguments> badRequests() {
    GenerationRequest valid = Requests.ids("x", 3, 5);
    return Stream.of(
        arguments(
            "no prompt",
            GenerationRequest.newBuilder().setId("x").build(),
            "request has no prompt (give \"prompt\", \"prompt_token_ids\" or \"messages\")",
            0),
        arguments("empty text prompt", Requests.text("x", "", 5), "prompt is empty", 0),
        arguments(
            "empty token ids",
            GenerationRequest.newBuilder().setId("x").setPromptTokenIds(List.of()).build(),
            "prompt_token_ids is empty",
            0),
        arguments("max_tokens 0", Requests.ids("x", 3, 0), "max_tokens must be >= 1, got 0", 3),
        arguments(
            "negative max_tokens", Requests.ids("x", 3, -4), "max_tokens must be >= 1, got -4", 3),
        arguments(
            "negative temperature",
            with(valid).setTemperature(-0.5).build(),
            "temperature must be a finite number >= 0, got -0.5",
            3),
        arguments(
            "NaN temperature",
            with(valid).setTemperature(Double.NaN).build(),
            "temperature must be a finite number >= 0, got NaN",
            3),
        arguments("top_p 0", with(valid).setTopP(0).build(), "top_p must be in (0, 1], got 0.0", 3),
        arguments(
            "top_p above 1",
            with(valid).setTopP(1.5).build(),
            "top_p must be in (0, 1], got 1.5",
            3),
        arguments(
            "negative top_k",
            with(valid).setTopK(-1).build(),
            "top_k must be >= 0 (0 disables it), got -1",
            3),
        arguments(
            "token id past the vocabulary",
            with(valid).setPromptTokenIds(List.of(5, 1024)).build(),
            "prompt_token_ids[1] = 1024 is outside the vocabulary (0..1023)",
            2),
        arguments(
            "negative token id",
            with(valid).setPromptTokenIds(List.of(-1)).build(),
            "prompt_token_ids[0] = -1 is negative",
            1),
        arguments(
            "token ids beyond the positions",
            Requests.ids("x", 500, 13),
            "prompt (500 tokens) + max_tokens (13) = 513 exceeds the model's 512 positions",
            500),
        arguments(
            "text beyond the positions",
            Requests.text("x", "Once upon a time", 508),
            "prompt (5 tokens) + max_tokens (508) = 513 exceeds the model's 512 positions",
            5),
        arguments(
            "bigger than the whole KV budget",
            Requests.blocks("x", 9),
            "prompt (8 tokens) + max_tokens (136) needs 9 KV blocks of 16 tokens, more than the"
                + " whole KV pool holds (8)",
            8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void badRequestsGetOneErrorCompletion(
      String kind, GenerationRequest request, String error, int promptTokens) {
    try (BatcherTestDriver batcher = new BatcherTestDriver(BatcherTopologyTest.CONFIG, stateDir)) {
      batcher.send(request);
      batcher.flushByAge();

      List<TestRecord<String, Completion>> completions = batcher.readCompletions();
      assertThat(completions).hasSize(1);
      Completion completion = completions.get(0).value();
      assertThat(completions.get(0).key()).isEqualTo("x");
      assertThat(completion.getId()).isEqualTo("x");
      assertThat(completion.getFinishReason()).isEqualTo(FinishReason.ERROR.wire());
      assertThat(completion.getError()).isEqualTo(error);
      assertThat(completion.getPromptTokens()).isEqualTo(promptTokens);
      assertThat(completion.getJobId()).isEqualTo(request.getJobId());
      assertThat(completion.getTokenIds()).isEmpty();
      assertThat(completion.getProcessor()).isEqualTo("batcher-test");
      assertThat(batcher.readBatches()).isEmpty();
      assertThat(batcher.deadLetters.isEmpty()).isTrue();
    }
  }

  @Test
  void textPromptsForAModelWithoutATokenizerAreAnsweredWithAnError() {
    BatcherConfig noTokenizer =
        BatcherTopologyTest.CONFIG.withModelDir(SharedData.model("stories260K"));
    try (BatcherTestDriver batcher = new BatcherTestDriver(noTokenizer, stateDir)) {
      batcher.send(Requests.text("words", "Once upon a time", 5));
      batcher.send(Requests.ids("ids", 4, 5));
      batcher.flushByAge();

      List<TestRecord<String, Completion>> completions = batcher.readCompletions();
      assertThat(completions).extracting(TestRecord::key).containsExactly("words");
      assertThat(completions.get(0).value().getError())
          .isEqualTo(
              "this model has no tokenizer.json: send prompt_token_ids instead of a text prompt");
      assertThat(batcher.readBatches())
          .extracting(BatcherTopologyTest::ids)
          .containsExactly(List.of("ids"));
    }
  }

  @Test
  void unreadableBytesAreDeadLetteredAndAnsweredByTheirKey() {
    try (BatcherTestDriver batcher = deadLetterDriver()) {
      byte[] json = "{\"id\": \"k1\", \"prompt\": \"hi\"}".getBytes(StandardCharsets.UTF_8);
      RecordHeaders headers =
          new RecordHeaders(new Header[] {new RecordHeader("trace", new byte[] {7})});
      batcher.rawRequests.pipeInput(new TestRecord<>(bytes("k1"), json, headers));
      batcher.send(Requests.ids("after", 3, 5)); // the stream goes on
      batcher.flushByAge();

      TestRecord<byte[], byte[]> dead = batcher.deadLetters.readRecord();
      assertThat(dead.key()).isEqualTo(bytes("k1"));
      assertThat(dead.value()).isEqualTo(json);
      assertThat(header(dead, Topics.HEADER_ERROR))
          .startsWith("Unknown magic byte 0x7b in llm.requests value")
          .endsWith("it looks like JSON");
      assertThat(header(dead, Topics.HEADER_SOURCE)).isEqualTo("llm.requests-0@0");
      assertThat(header(dead, Topics.HEADER_SERVICE)).isEqualTo("batcher-test");
      assertThat(header(dead, "trace")).isEqualTo("\u0007");
      assertThat(batcher.deadLetters.isEmpty()).isTrue();

      List<TestRecord<String, Completion>> completions = batcher.readCompletions();
      assertThat(completions).hasSize(1);
      assertThat(completions.get(0).key()).isEqualTo("k1");
      assertThat(completions.get(0).value().getFinishReason()).isEqualTo(FinishReason.ERROR.wire());
      assertThat(completions.get(0).value().getError())
          .startsWith("request could not be read: Unknown magic byte 0x7b");
      assertThat(batcher.readBatches())
          .extracting(BatcherTopologyTest::ids)
          .containsExactly(List.of("after"));
    }
  }

  @Test
  void withoutAKeyTheIdIsReadFromTheStartOfTheValue() {
    try (BatcherTestDriver batcher = deadLetterDriver()) {
      byte[] whole =
          AvroSerdes.serde(GenerationRequest.class, batcher.testRegistry())
              .serializer()
              .serialize(Topics.REQUESTS, Requests.ids("cut-short", 3, 5));
      byte[] truncated = Arrays.copyOf(whole, whole.length - 1);
      batcher.rawRequests.pipeInput((byte[]) null, truncated);

      TestRecord<byte[], byte[]> dead = batcher.deadLetters.readRecord();
      assertThat(dead.key()).isNull();
      assertThat(dead.value()).isEqualTo(truncated);
      assertThat(header(dead, Topics.HEADER_ERROR))
          .startsWith("Malformed Avro payload in llm.requests value");
      List<TestRecord<String, Completion>> completions = batcher.readCompletions();
      assertThat(completions).extracting(TestRecord::key).containsExactly("cut-short");
      assertThat(completions.get(0).value().getError())
          .startsWith("request could not be read: Malformed Avro payload");
    }
  }

  @Test
  void recordsWithNoIdAnywhereAreOnlyDeadLettered() {
    try (BatcherTestDriver batcher = deadLetterDriver()) {
      byte[] unknownSchema = {
        0, 0, 0, 0x7f, 0x7f, 0x05
      }; // schema id 32639; 0x05 is no string length
      batcher.rawRequests.pipeInput((byte[]) null, unknownSchema);

      TestRecord<byte[], byte[]> dead = batcher.deadLetters.readRecord();
      assertThat(dead.value()).isEqualTo(unknownSchema);
      assertThat(header(dead, Topics.HEADER_ERROR)).startsWith("Unknown schema id 32639");
      assertThat(batcher.readCompletions()).isEmpty();
      assertThat(
              batcher
                  .meters
                  .get(BatcherMetrics.REQUESTS)
                  .tag("outcome", "dead_letter")
                  .counter()
                  .count())
          .isEqualTo(1);
    }
  }

  @Test
  void tombstonesAndRequestsWithoutAnIdAreDeadLetteredAndAnsweredByKey() {
    try (BatcherTestDriver batcher = deadLetterDriver()) {
      batcher.rawRequests.pipeInput(bytes("tomb"), (byte[]) null);
      batcher.requests.pipeInput(
          "no-id", GenerationRequest.newBuilder(Requests.ids("", 3, 5)).build());

      List<TestRecord<byte[], byte[]>> dead = batcher.deadLetters.readRecordsToList();
      assertThat(dead)
          .extracting(r -> header(r, Topics.HEADER_ERROR))
          .containsExactly(
              "record on llm.requests has no value (a tombstone is not a request)",
              "request on llm.requests has an empty id");
      assertThat(dead.get(0).value()).isNull();
      assertThat(batcher.readCompletions())
          .extracting(TestRecord::key)
          .containsExactly("tomb", "no-id");
    }
  }

  /** A registry outage says nothing about the record: no dead letter, no answer, the task fails. */
  @Test
  void anUnreachableRegistryFailsTheTaskInsteadOfDeadLettering() {
    try (BatcherTestDriver batcher =
        new BatcherTestDriver(
            BatcherTopologyTest.CONFIG, stateDir, "http://127.0.0.1:1", Map.of())) {
      assertThatThrownBy(() -> batcher.send(Requests.ids("good", 3, 5)))
          .isInstanceOf(StreamsException.class);

      assertThat(batcher.deadLetters.isEmpty()).isTrue();
      assertThat(batcher.completions.isEmpty()).isTrue();
      assertThat(batcher.batches.isEmpty()).isTrue();
    }
  }

  private static GenerationRequest.Builder with(GenerationRequest request) {
    return GenerationRequest.newBuilder(request);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}

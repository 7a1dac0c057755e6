package io.pagedstream.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.KvBudget;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of the bad-input corpus through the whole pipeline (ingest, batcher, a processor, the
 * Connect JSONL sink on an embedded broker): each gets exactly one one-line error result with the
 * case's message, or, when no id can be read, a dead letter with the reason in its headers; every
 * service is still running afterwards, and a valid request sent after them is answered.
 */
class BadInputCorpusTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final Duration TIMEOUT = Duration.ofMinutes(4);
  private static final String GOOD =
      "{\"id\":\"%s\",\"prompt_token_ids\":[1,5,9,13],\"max_tokens\":6,\"temperature\":0,\"ignore_eos\":true}";

  @TempDir Path dir;

  @Test
  void everyBadInputGetsExactlyOneAnswerAndNothingStops() throws Exception {
    BadInputCorpus corpus = BadInputCorpus.load();
    assertThat(corpus.cases())
        .extracting(BadInputCase::stage)
        .contains("ingest", "batcher", "processor", "sink");

    // the line cases as they are, between two valid requests
    Path input = dir.resolve("corpus.jsonl");
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.writeBytes(
        String.format(GOOD, "good-first").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    file.write('\n');
    for (BadInputCase c : corpus.lineCases()) {
      file.writeBytes(c.line());
      file.write('\n');
    }
    file.writeBytes(
        String.format(GOOD, "good-last").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    file.write('\n');
    Files.write(input, file.toByteArray());
    List<String> resultIds = ResultIds.forInput(input);
    assertThat(resultIds).hasSize(corpus.lineCases().size() + 2);
    Map<String, BadInputCase> byId = new LinkedHashMap<>();
    for (int i = 0; i < corpus.lineCases().size(); i++) {
      byId.put(resultIds.get(i + 1), corpus.lineCases().get(i));
    }
    for (BadInputCase c : corpus.recordCases()) {
      byId.put(BadInputCorpus.ID_PREFIX + c.name(), c);
    }

    EngineConfig engine = EngineConfig.defaults(256);
    BatcherConfig batcher =
        BatcherConfig.defaults(MODEL)
            .withBlockSize(engine.blockSize())
            .withKvBudget(new KvBudget.Blocks(engine.numKvBlocks()))
            .withMaxBatchRequests(8)
            .withFlushInterval(Duration.ofMillis(50));
    try (ChaosCluster cluster =
        ChaosCluster.start(
            new ChaosCluster.Setup(
                2,
                batcher,
                List.of(ProcessorConfig.defaults(MODEL, engine, "corpus-0")),
                dir.resolve("results")))) {
      KafkaSettings kafka = cluster.kafka();
      BadRecords records = new BadRecords(kafka, "corpus-job");
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              kafka.asMap(), new ByteArraySerializer(), new ByteArraySerializer())) {
        for (BadInputCase c : corpus.recordCases()) {
          producer.send(records.build(c, BadInputCorpus.ID_PREFIX + c.name()));
        }
        producer.flush();
      }
      new JsonlIngest(kafka, IngestConfig.ofFile(input).withJobId("corpus-job")).run();

      try (AnswerReader answers = new AnswerReader(kafka)) {
        awaitAnswers(answers, byId, Set.of("good-first", "good-last"));
        assertThat(cluster.failure()).as("a service stopped").isNull();

        // the pipeline still answers valid requests
        Path after = dir.resolve("after.jsonl");
        Files.writeString(after, String.format(GOOD, "good-after") + "\n");
        new JsonlIngest(kafka, IngestConfig.ofFile(after).withJobId("corpus-after")).run();
        awaitAnswers(answers, Map.of(), Set.of("good-after"));
        // a little longer, so that a second answer to anything would show up too
        long settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < settle) {
          answers.poll();
        }
        assertThat(cluster.failure()).as("a service stopped").isNull();

        SoftAssertions soft = new SoftAssertions();
        for (String good : List.of("good-first", "good-last", "good-after")) {
          soft.assertThat(answers.completions.answers(good))
              .as(good)
              .singleElement()
              .matches(a -> !a.error(), "a generated result");
        }
        byId.forEach((id, c) -> checkCase(soft, answers, id, c));
        soft.assertAll();
      }
    }
  }

  private static void checkCase(
      SoftAssertions soft, AnswerReader answers, String id, BadInputCase c) {
    String what = c.name() + " (" + id + ")";
    switch (c.answer()) {
      case ERROR -> {
        List<AnswerLedger.Answer> got = answers.completions.answers(id);
        soft.assertThat(got).as("%s: results", what).hasSize(1);
        if (!got.isEmpty()) {
          AnswerLedger.Answer a = got.get(0);
          soft.assertThat(a.error()).as("%s: an error result", what).isTrue();
          soft.assertThat(a.message())
              .as("%s: message", what)
              .contains(c.expect())
              .doesNotContain("\n")
              .hasSizeLessThan(1001);
        }
      }
      case DEAD_LETTER -> {
        soft.assertThat(answers.completions.answers(id))
            .as("%s: no result can carry an unreadable id", what)
            .isEmpty();
        List<AnswerLedger.Answer> dead = answers.deadLetters.answers(id);
        soft.assertThat(dead).as("%s: dead letters", what).hasSize(1);
        if (!dead.isEmpty()) {
          soft.assertThat(dead.get(0).message())
              .as("%s: the reason header", what)
              .contains(c.expect());
        }
      }
      case SINK_DEAD_LETTER -> {
        List<AnswerLedger.Answer> dead = answers.sinkDeadLetters.answers(id);
        soft.assertThat(dead).as("%s: sink dead letters", what).hasSize(1);
        if (!dead.isEmpty()) {
          soft.assertThat(dead.get(0).message())
              .as("%s: Connect's reason header", what)
              .contains(c.expect());
        }
      }
    }
  }

  private static void awaitAnswers(
      AnswerReader answers, Map<String, BadInputCase> bad, Set<String> good) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<String> missing = List.of("?");
    while (System.nanoTime() < deadline) {
      answers.poll();
      missing = new ArrayList<>();
      for (String id : good) {
        if (!answers.completions.has(id)) {
          missing.add(id);
        }
      }
      for (Map.Entry<String, BadInputCase> e : bad.entrySet()) {
        AnswerLedger ledger =
            switch (e.getValue().answer()) {
              case ERROR -> answers.completions;
              case DEAD_LETTER -> answers.deadLetters;
              case SINK_DEAD_LETTER -> answers.sinkDeadLetters;
            };
        if (!ledger.has(e.getKey())) {
          missing.add(e.getValue().name() + " (" + e.getKey() + ")");
        }
      }
      if (missing.isEmpty()) {
        return;
      }
    }
    throw new AssertionError(
        "no answer within "
            + TIMEOUT.toSeconds()
            + " s for "
            + missing.stream().collect(Collectors.joining(", ")));
  }
}

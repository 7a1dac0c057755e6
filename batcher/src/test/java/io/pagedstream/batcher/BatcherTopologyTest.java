package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.testing.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packing, flushing and tokenizing through the real topology in a TopologyTestDriver. */
class BatcherTopologyTest {

  static final Path MODEL = SharedData.model("tiny-stories-synth");

  /** 8 blocks of 16 tokens per batch, 4 requests at most, 2 open batches, 200 ms. */
  static final BatcherConfig CONFIG =
      BatcherConfig.defaults(MODEL)
          .withKvBudget(KvBudget.blocks(8))
          .withMaxBatchRequests(4)
          .withMaxOpenBatches(2)
          .withFlushInterval(Duration.ofMillis(200))
          .withApplicationId("batcher-test");

  @TempDir Path stateDir;
  BatcherTestDriver batcher;

  @BeforeEach
  void start() {
    batcher = new BatcherTestDriver(CONFIG, stateDir);
  }

  @AfterEach
  void stop() {
    batcher.close();
  }

  @Test
  void batchesAreSentWhenFullAndPackedBestFit() {
    batcher.send(Requests.blocks("a", 3)); // opens batch A
    batcher.send(Requests.blocks("b", 6)); // fits A no longer (9 > 8): opens batch B
    batcher.send(Requests.blocks("c", 2)); // fits both; B fits it exactly, so B is full and sent

    List<GenerationBatch> sent = batcher.readBatches();
    assertThat(sent).hasSize(1);
    assertThat(ids(sent.get(0))).containsExactly("b", "c");
    assertThat(sent.get(0).getEstimatedKvBlocks()).isEqualTo(8);
    assertThat(sent.get(0).getBatchId()).isEqualTo("batcher-test-0-1"); // opened by "b", offset 1

    batcher.send(Requests.blocks("d", 1));
    batcher.send(Requests.blocks("e", 1));
    batcher.send(Requests.blocks("f", 1)); // A now holds 4 requests: the limit
    sent = batcher.readBatches();
    assertThat(sent).hasSize(1);
    assertThat(ids(sent.get(0))).containsExactly("a", "d", "e", "f");
    assertThat(sent.get(0).getEstimatedKvBlocks()).isEqualTo(6);
    assertThat(batcher.readCompletions()).isEmpty();
  }

  @Test
  void whenNoBatchHasRoomTheFullestIsSentToMakeRoom() {
    batcher.send(Requests.blocks("a", 3));
    batcher.send(Requests.blocks("b", 6));
    batcher.send(Requests.blocks("c", 6)); // fits neither, both batches open: B (6 of 8) goes

    List<GenerationBatch> sent = batcher.readBatches();
    assertThat(sent).hasSize(1);
    assertThat(ids(sent.get(0))).containsExactly("b");

    batcher.flushByAge();
    assertThat(batcher.readBatches())
        .extracting(BatcherTopologyTest::ids)
        .containsExactlyInAnyOrder(List.of("a"), List.of("c"));
  }

  @Test
  void openBatchesAreSentAfterTheFlushInterval() {
    batcher.send(Requests.blocks("lonely", 1));
    batcher.driver.advanceWallClockTime(Duration.ofMillis(100));
    assertThat(batcher.readBatches()).isEmpty();

    batcher.flushByAge();

    List<GenerationBatch> sent = batcher.readBatches();
    assertThat(sent).hasSize(1);
    assertThat(ids(sent.get(0))).containsExactly("lonely");
    assertThat(sent.get(0).getCreatedAtMs())
        .isGreaterThanOrEqualTo(BatcherTestDriver.START.toEpochMilli() + 200);
    batcher.flushByAge();
    assertThat(batcher.readBatches()).isEmpty(); // sent once, not again
  }

  @Test
  void textPromptsAreTokenizedIntoTheBatch() {
    var golden = SharedData.golden("tiny-stories-synth-greedy.json").get("cases").get(0);
    assertThat(golden.get("prompt").asText()).isEqualTo("Once upon a time");
    List<Integer> expected = new ArrayList<>();
    golden.get("prompt_token_ids").forEach(id -> expected.add(id.asInt()));

    batcher.send(Requests.text("story", "Once upon a time", 27));
    batcher.flushByAge();

    BatchedRequest request = batcher.readBatches().get(0).getRequests().get(0);
    assertThat(request.getPromptTokenIds()).isEqualTo(expected).startsWith(1023);
    assertThat(request.getPromptWasText()).isTrue();
    assertThat(request.getEstimatedKvBlocks()).isEqualTo(2); // 5 + 27 = 32 tokens
    assertThat(request.getMaxTokens()).isEqualTo(27);
    assertThat(request.getJobId()).isEqualTo("job-1");
  }

  @Test
  void tokenIdRequestsKeepTheirIdsAndSampling() {
    GenerationRequest sent =
        GenerationRequest.newBuilder(Requests.ids("r", 3, 5))
            .setTemperature(0.7)
            .setTopP(0.9)
            .setTopK(40)
            .setSeed(99L)
            .setIgnoreEos(true)
            .setSubmittedAtMs(1234)
            .build();
    batcher.send(sent);
    batcher.flushByAge();

    BatchedRequest request = batcher.readBatches().get(0).getRequests().get(0);
    assertThat(request.getPromptTokenIds()).containsExactly(1, 2, 3);
    assertThat(request.getPromptWasText()).isFalse();
    assertThat(request.getTemperature()).isEqualTo(0.7);
    assertThat(request.getTopP()).isEqualTo(0.9);
    assertThat(request.getTopK()).isEqualTo(40);
    assertThat(request.getSeed()).isEqualTo(99L);
    assertThat(request.getIgnoreEos()).isTrue();
    assertThat(request.getSubmittedAtMs()).isEqualTo(1234);
    assertThat(request.getEstimatedKvBlocks()).isEqualTo(1);
  }

  @Test
  void openBatchesAreWrittenToTheChangelogAndDeletedWhenSent() {
    batcher.send(Requests.blocks("a", 2));
    batcher.send(Requests.blocks("b", 3));

    String batches = "batcher-test-open-batches-changelog";
    String requests = "batcher-test-open-batches-requests-changelog";
    assertThat(batcher.driver.producedTopicNames()).contains(batches, requests);
    var batchLog =
        batcher.driver.createOutputTopic(
            batches, new StringDeserializer(), new OpenBatchSerde().deserializer());
    var requestLog =
        batcher.driver.createOutputTopic(
            requests,
            new StringDeserializer(),
            new AvroStateSerde<>(BatchedRequest.getEncoder(), BatchedRequest.getDecoder())
                .deserializer());
    assertThat(batchLog.readKeyValuesToMap())
        .containsEntry(
            "batcher-test-0-0",
            new OpenBatch("batcher-test-0-0", BatcherTestDriver.START.toEpochMilli(), 5, 2));
    Map<String, BatchedRequest> logged = requestLog.readKeyValuesToMap();
    assertThat(logged)
        .containsOnlyKeys("batcher-test-0-0/0000000000", "batcher-test-0-0/0000000001");
    assertThat(logged.get("batcher-test-0-0/0000000001").getId()).isEqualTo("b");

    batcher.flushByAge();

    assertThat(batchLog.readKeyValuesToMap()).containsEntry("batcher-test-0-0", null);
    assertThat(requestLog.readKeyValuesToMap())
        .containsOnlyKeys("batcher-test-0-0/0000000000", "batcher-test-0-0/0000000001")
        .allSatisfy((key, value) -> assertThat(value).isNull());
  }

  /**
   * A long mixed stream, good and bad, through several flushes: every request comes out exactly
   * once, in a batch or as an error completion, and every batch respects the budget and limit.
   */
  @Test
  void everyRequestEndsInExactlyOneResult() {
    Random random = new Random(7);
    Set<String> bad = new HashSet<>();
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = "req-" + i;
      all.add(id);
      GenerationRequest request;
      switch (random.nextInt(10)) {
        case 0 -> {
          request = Requests.ids(id, 3, 0); // max_tokens < 1
          bad.add(id);
        }
        case 1 -> {
          request = Requests.blocks(id, 9); // bigger than the 8-block budget
          bad.add(id);
        }
        case 2 ->
            request = Requests.text(id, "Once upon a time there was", 1 + random.nextInt(100));
        default -> request = Requests.ids(id, 1 + random.nextInt(60), 1 + random.nextInt(60));
      }
      batcher.send(request);
      if (random.nextInt(25) == 0) {
        batcher.flushByAge();
      }
    }
    batcher.flushByAge();

    Map<String, Integer> seen = new HashMap<>();
    for (GenerationBatch batch : batcher.readBatches()) {
      assertThat(batch.getRequests()).isNotEmpty().hasSizeLessThanOrEqualTo(4);
      assertThat(batch.getEstimatedKvBlocks())
          .isLessThanOrEqualTo(8)
          .isEqualTo(
              batch.getRequests().stream().mapToInt(BatchedRequest::getEstimatedKvBlocks).sum());
      batch.getRequests().forEach(r -> seen.merge(r.getId(), 1, Integer::sum));
    }
    List<TestRecord<String, Completion>> errors = batcher.readCompletions();
    for (TestRecord<String, Completion> error : errors) {
      assertThat(error.key()).isEqualTo(error.value().getId());
      assertThat(error.value().getFinishReason()).isEqualTo(FinishReason.ERROR.wire());
      seen.merge(error.key(), 1, Integer::sum);
    }
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(all);
    assertThat(seen.values()).containsOnly(1);
    assertThat(errors).extracting(TestRecord::key).containsExactlyInAnyOrderElementsOf(bad);
  }

  @Test
  void batchFillAndOutcomesAreMetered() {
    batcher.send(Requests.blocks("a", 2));
    batcher.send(Requests.blocks("b", 6)); // 8 of 8: full
    batcher.send(Requests.ids("bad", 3, 0));
    batcher.send(Requests.blocks("c", 2));
    batcher.flushByAge(); // c: 2 of 8, by age

    var fill = batcher.meters.get(BatcherMetrics.BATCH_FILL).summary();
    assertThat(fill.count()).isEqualTo(2);
    assertThat(fill.totalAmount()).isEqualTo(1.0 + 0.25);
    assertThat(batcher.meters.get(BatcherMetrics.BATCH_REQUESTS).summary().totalAmount())
        .isEqualTo(3);
    assertThat(batcher.meters.get(BatcherMetrics.BATCHES).tag("reason", "full").counter().count())
        .isEqualTo(1);
    assertThat(batcher.meters.get(BatcherMetrics.BATCHES).tag("reason", "age").counter().count())
        .isEqualTo(1);
    assertThat(
            batcher.meters.get(BatcherMetrics.REQUESTS).tag("outcome", "batched").counter().count())
        .isEqualTo(3);
    assertThat(
            batcher
                .meters
                .get(BatcherMetrics.REQUESTS)
                .tag("outcome", "rejected")
                .counter()
                .count())
        .isEqualTo(1);
  }

  static List<String> ids(GenerationBatch batch) {
    return batch.getRequests().stream().map(BatchedRequest::getId).toList();
  }
}

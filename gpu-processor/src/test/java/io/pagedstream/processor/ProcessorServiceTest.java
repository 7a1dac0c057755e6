package io.pagedstream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pagedstream.core.request.FinishReason;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The processor on a real broker: golden results, exactly once across a crash, scale-out. */
class ProcessorServiceTest {

  private static final Path MODEL = SharedData.model("stories260K");

  private static ProcessorConfig config(String instance) {
    return ProcessorConfig.defaults(MODEL, EngineConfig.defaults(512), instance);
  }

  /**
   * An engine that runs 4 sequences at once: it prefetches only a few batches, so the work finishes
   * over several commits and a kill can land between them.
   */
  private static ProcessorConfig narrowConfig(String instance) {
    return ProcessorConfig.defaults(MODEL, EngineConfig.defaults(512).withMaxNumSeqs(4), instance);
  }

  private static List<GenerationBatch> randomBatches(
      int batches, int perBatch, int maxTokens, long seed) {
    Random rnd = new Random(seed);
    List<GenerationBatch> out = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      List<BatchedRequest> reqs = new ArrayList<>();
      for (int i = 0; i < perBatch; i++) {
        int[] prompt = rnd.ints(1 + rnd.nextInt(40), 1, 512).toArray();
        reqs.add(PipelineFixture.request("b" + b + "-r" + i, prompt, maxTokens));
      }
      out.add(GenerationBatch.newBuilder().setBatchId("batch-" + b).setRequests(reqs).build());
    }
    return out;
  }

  private static void await(
      String what, java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  @Test
  void goldenCasesComeOutWithTheGoldenIds() {
    JsonNode golden = SharedData.golden("stories260K-greedy.json");
    List<BatchedRequest> reqs = new ArrayList<>();
    Map<String, int[]> expected = new HashMap<>();
    for (JsonNode c : golden.get("cases")) {
      reqs.add(
          PipelineFixture.request(
              c.get("name").asText(),
              SharedData.ints(c.get("prompt_token_ids")),
              c.get("max_tokens").asInt()));
      expected.put(c.get("name").asText(), SharedData.ints(c.get("expected_token_ids")));
    }
    try (PipelineFixture f = new PipelineFixture(2);
        ProcessorService p = ProcessorService.start(config("golden"), f.settings)) {
      f.sendBatches(
          List.of(
              GenerationBatch.newBuilder().setBatchId("g1").setRequests(reqs.subList(0, 2)).build(),
              GenerationBatch.newBuilder()
                  .setBatchId("g2")
                  .setRequests(reqs.subList(2, reqs.size()))
                  .build()));
      List<Completion> got = f.readCompletions(expected.size(), Duration.ofSeconds(60));
      assertThat(got).hasSize(expected.size());
      for (Completion c : got) {
        assertThat(c.getFinishReason()).isEqualTo(FinishReason.LENGTH.wire());
        assertThat(c.getTokenIds().stream().mapToInt(Integer::intValue).toArray())
            .as(c.getId())
            .containsExactly(expected.get(c.getId()));
        assertThat(c.getProcessor()).isEqualTo("golden");
      }
    }
  }

  @Test
  void aProcessorKilledMidBatchLeavesEveryRequestAnsweredExactlyOnce() throws Exception {
    List<GenerationBatch> batches = randomBatches(16, 4, 60, 3);
    int total = 16 * 4;
    try (PipelineFixture f = new PipelineFixture(2)) {
      f.sendBatches(batches);
      ProcessorService first = ProcessorService.start(narrowConfig("slot-0"), f.settings);
      // kill it once it has committed some batches and has more in flight
      await("a first commit", () -> first.stats().batchesCommitted() >= 2, Duration.ofSeconds(120));
      await(
          "work in flight",
          () -> first.stats().batchesTaken() > first.stats().batchesCommitted(),
          Duration.ofSeconds(60));
      long committedBeforeKill = first.stats().batchesCommitted();
      first.kill();
      assertThat(committedBeforeKill).isLessThan(batches.size());
      try (ProcessorService second = ProcessorService.start(narrowConfig("slot-0"), f.settings)) {
        List<Completion> got = f.readCompletions(total, Duration.ofSeconds(180));
        Map<String, Long> counts =
            got.stream().collect(Collectors.groupingBy(Completion::getId, Collectors.counting()));
        assertThat(counts).hasSize(total);
        assertThat(counts.values()).allMatch(n -> n == 1);
        assertThat(got)
            .allMatch(
                c ->
                    c.getFinishReason().equals(FinishReason.LENGTH.wire())
                        && c.getTokenIds().size() == 60);
        assertThat(second.stats().batchesCommitted()).isPositive();
      }
    }
  }

  @Test
  void twoProcessorsShareFourPartitions() throws Exception {
    List<GenerationBatch> batches = randomBatches(24, 3, 24, 5);
    int total = 24 * 3;
    try (PipelineFixture f = new PipelineFixture(4);
        ProcessorService a = ProcessorService.start(config("a"), f.settings);
        ProcessorService b = ProcessorService.start(config("b"), f.settings)) {
      // both members join before the work arrives, so the group spreads the partitions
      f.awaitGroupStable(a.config().groupId(), 2, Duration.ofSeconds(60));
      f.sendBatches(batches);
      List<Completion> got = f.readCompletions(total, Duration.ofSeconds(180));
      Map<String, Long> counts =
          got.stream().collect(Collectors.groupingBy(Completion::getId, Collectors.counting()));
      assertThat(counts).hasSize(total);
      assertThat(counts.values()).allMatch(n -> n == 1);
      Map<String, Long> byProcessor =
          got.stream()
              .collect(Collectors.groupingBy(Completion::getProcessor, Collectors.counting()));
      assertThat(byProcessor.keySet()).containsExactlyInAnyOrder("a", "b");
      assertThat(a.stats().batchesCommitted() + b.stats().batchesCommitted())
          .isEqualTo(batches.size());
    }
  }

  @Test
  void anUnreadableBatchIsDeadLetteredAndTheRestGoesOn() {
    List<GenerationBatch> good = randomBatches(2, 2, 5, 9);
    try (PipelineFixture f = new PipelineFixture(1);
        ProcessorService p = ProcessorService.start(config("dlq"), f.settings)) {
      f.sendBatches(good.subList(0, 1));
      f.sendRaw(Topics.BATCHES, "poison", "not avro at all".getBytes(StandardCharsets.UTF_8));
      f.sendBatches(good.subList(1, 2));
      List<Completion> got = f.readCompletions(4, Duration.ofSeconds(60));
      assertThat(got).hasSize(4);
      List<ConsumerRecord<String, byte[]>> dead =
          f.read(Topics.DEAD_LETTER, 1, Duration.ofSeconds(30));
      assertThat(dead).hasSize(1);
      ConsumerRecord<String, byte[]> d = dead.get(0);
      assertThat(d.key()).isEqualTo("poison");
      assertThat(new String(d.value(), StandardCharsets.UTF_8)).isEqualTo("not avro at all");
      assertThat(
              new String(
                  d.headers().lastHeader(Topics.HEADER_ERROR).value(), StandardCharsets.UTF_8))
          .isNotBlank();
      assertThat(p.stats().deadLetters()).isEqualTo(1);
    }
  }

  @Test
  void deterministicCompletionsAreWrittenToTheResponseCache() {
    BatchedRequest greedy = PipelineFixture.request("greedy", new int[] {1, 2, 3}, 4);
    BatchedRequest seeded =
        BatchedRequest.newBuilder(PipelineFixture.request("seeded", new int[] {1, 2, 3}, 4))
            .setTemperature(0.8)
            .setSeed(7L)
            .build();
    BatchedRequest unseeded =
        BatchedRequest.newBuilder(PipelineFixture.request("unseeded", new int[] {1, 2, 3}, 4))
            .setTemperature(0.8)
            .build();
    try (PipelineFixture f = new PipelineFixture(1);
        ProcessorService p = ProcessorService.start(config("cache"), f.settings)) {
      f.sendBatches(
          List.of(
              GenerationBatch.newBuilder()
                  .setBatchId("c")
                  .setRequests(List.of(greedy, seeded, unseeded))
                  .build()));
      assertThat(f.readCompletions(3, Duration.ofSeconds(60))).hasSize(3);
      List<ConsumerRecord<String, byte[]>> cached =
          f.read(Topics.RESPONSE_CACHE, 2, Duration.ofSeconds(10));
      String fp = io.pagedstream.core.model.ModelFingerprint.of(MODEL);
      assertThat(cached)
          .extracting(ConsumerRecord::key)
          .containsExactlyInAnyOrder(
              io.pagedstream.core.request.CacheKey.of(
                      fp,
                      new int[] {1, 2, 3},
                      io.pagedstream.core.request.SamplingParams.greedy(4).withIgnoreEos(true))
                  .orElseThrow(),
              io.pagedstream.core.request.CacheKey.of(
                      fp,
                      new int[] {1, 2, 3},
                      new io.pagedstream.core.request.SamplingParams(0.8, 1, 0, 7L, 4, true))
                  .orElseThrow());
    }
  }

  @Test
  void invalidRequestsInABatchGetErrorCompletions() {
    BatchedRequest ok = PipelineFixture.request("ok", new int[] {1, 2, 3}, 4);
    BatchedRequest badVocab = PipelineFixture.request("bad-vocab", new int[] {1, 9999}, 4);
    BatchedRequest badTemp =
        BatchedRequest.newBuilder(PipelineFixture.request("bad-temp", new int[] {1}, 4))
            .setTemperature(-1)
            .build();
    BatchedRequest tooLong = PipelineFixture.request("too-long", new int[] {1, 2}, 600);
    try (PipelineFixture f = new PipelineFixture(1);
        ProcessorService p = ProcessorService.start(config("errors"), f.settings)) {
      f.sendBatches(
          List.of(
              GenerationBatch.newBuilder()
                  .setBatchId("mixed")
                  .setRequests(List.of(ok, badVocab, badTemp, tooLong))
                  .build()));
      Map<String, Completion> got =
          f.readCompletions(4, Duration.ofSeconds(60)).stream()
              .collect(Collectors.toMap(Completion::getId, Function.identity()));
      assertThat(got.get("ok").getFinishReason()).isEqualTo(FinishReason.LENGTH.wire());
      assertThat(got.get("bad-vocab").getError()).contains("outside the vocabulary");
      assertThat(got.get("bad-temp").getError()).contains("temperature");
      assertThat(got.get("too-long").getError()).contains("exceeds the model's 512 positions");
    }
  }
}

package io.pagedstream.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.testing.SharedData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A processor that crashes (no commit, no leave request) and comes back under its instance id takes
 * its own partitions back at once: the other members keep theirs and lose no work.
 */
class ProcessorCrashTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final int BATCHES = 40;
  private static final int PER_BATCH = 4;

  private static ProcessorConfig config(String instance) {
    return ProcessorConfig.defaults(MODEL, EngineConfig.defaults(512), instance);
  }

  @Test
  void aCrashedInstanceReplacedUnderItsIdDoesNotDisturbTheOthers() throws Exception {
    Random rnd = new Random(11);
    List<GenerationBatch> batches = new ArrayList<>();
    // enough work that the steady member is never idle before the end: a rebalance would cost it
    // requests
    for (int b = 0; b < BATCHES; b++) {
      List<BatchedRequest> reqs = new ArrayList<>();
      for (int i = 0; i < PER_BATCH; i++) {
        reqs.add(
            PipelineFixture.request(
                "b" + b + "-r" + i, rnd.ints(1 + rnd.nextInt(30), 1, 512).toArray(), 80));
      }
      batches.add(GenerationBatch.newBuilder().setBatchId("batch-" + b).setRequests(reqs).build());
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (PipelineFixture f = new PipelineFixture(4);
        ProcessorService steady = ProcessorService.start(config("steady"), f.settings, meters)) {
      ProcessorService crashing = ProcessorService.start(config("crashing"), f.settings);
      // both members join before the work arrives, so each owns partitions
      f.awaitGroupStable(steady.config().groupId(), 2, Duration.ofSeconds(60));
      f.sendBatches(batches);
      await(
          "work in flight on both",
          () ->
              crashing.stats().batchesTaken() > crashing.stats().batchesCommitted()
                  && steady.stats().batchesTaken() > steady.stats().batchesCommitted(),
          Duration.ofSeconds(120));
      double rebalancesBefore = rebalances(meters, "processor-steady");
      crashing.kill();
      try (ProcessorService replacement = ProcessorService.start(config("crashing"), f.settings)) {
        List<Completion> got = f.readCompletions(BATCHES * PER_BATCH, Duration.ofSeconds(180));
        Map<String, Long> counts =
            got.stream().collect(Collectors.groupingBy(Completion::getId, Collectors.counting()));
        assertThat(counts).hasSize(BATCHES * PER_BATCH);
        assertThat(counts.values()).allMatch(n -> n == 1);
        assertThat(replacement.stats().batchesCommitted()).isPositive();
        // the replacement took its predecessor's place: no rebalance reached the steady member,
        // which would have had to stop and drop the requests it was running
        assertThat(rebalances(meters, "processor-steady")).isEqualTo(rebalancesBefore);
        assertThat(steady.stats().abortedRequests()).isZero();
      }
    }
  }

  /** The consumer's count of rebalances it took part in (Kafka's rebalance-total). */
  private static double rebalances(SimpleMeterRegistry meters, String clientId) {
    FunctionCounter c =
        meters
            .find("kafka.consumer.coordinator.rebalance.total")
            .tag("client.id", clientId)
            .functionCounter();
    if (c == null) {
      throw new AssertionError(
          "no rebalance counter for "
              + clientId
              + " among "
              + meters.getMeters().stream()
                  .map(m -> m.getId().getName())
                  .filter(n -> n.contains("rebalance"))
                  .distinct()
                  .toList());
    }
    return c.count();
  }

  private static void await(String what, BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}

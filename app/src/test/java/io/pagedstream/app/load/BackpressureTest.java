package io.pagedstream.app.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.app.load.BackpressureRun.ProcessorPeaks;
import io.pagedstream.app.load.BackpressureRun.Spec;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Backpressure: a job queued all at once waits in Kafka, and each service holds only a bounded
 * window of it. A processor takes a batch only while its engine's waiting queue holds less than a
 * second pool's worth (max-num-seqs sequences), so it never has more requests than it runs at once,
 * one pool's worth waiting and one batch, nor more than its limit of batches in flight; each
 * batcher task keeps at most its open batches. Kafka is the buffer.
 *
 * <p>The small run always runs and checks those bounds. The 100,000-request run produces the memory
 * figures and runs only on demand:
 *
 * <pre>
 * ./mvnw -o test -pl app -Dtest=BackpressureTest -Dpagedstream.load=true [-Dpagedstream.load.requests=100000]
 * </pre>
 *
 * (it writes its report to {@code app/target/backpressure-<requests>.txt}).
 */
class BackpressureTest {

  private static final Path MODEL = SharedData.model("stories260K");

  @Test
  void aQueuedJobWaitsInKafkaWhileEachServiceHoldsABoundedWindow() throws Exception {
    // 32 sequences of at most 28 tokens need 64 of the 128 blocks: nothing is ever preempted, so
    // what waits in the engine is exactly what the processor took last
    Spec spec =
        new Spec(MODEL, 2_000, 1, 2, 128, 32, 16, 4, Duration.ofMinutes(5), Duration.ofMillis(100));
    LoadReport report = BackpressureRun.run(spec);
    System.out.print(report.text());

    assertThat(report.failure()).isNull();
    assertThat(report.completed()).isEqualTo(spec.requests());
    assertThat(report.job())
        .hasValueSatisfying(j -> assertThat(j.getCompleted()).isEqualTo(spec.requests()));
    assertBounded(report);
    ProcessorPeaks p = report.processors().get(0);
    assertThat(p.preemptions()).as("premise: the pool holds every running sequence").isZero();
    assertThat(p.peakWaitingRequests())
        .as("requests waiting in the engine: under a pool's worth plus one batch")
        .isLessThan(spec.maxNumSeqs() + spec.maxBatchRequests());
    assertThat(p.peakHeldRequests())
        .as("the processor worked with full batches at least once")
        .isGreaterThanOrEqualTo(spec.maxBatchRequests());
  }

  @Test
  @EnabledIfSystemProperty(named = "pagedstream.load", matches = "true")
  void aHundredThousandQueuedRequests() throws Exception {
    int requests = Integer.getInteger("pagedstream.load.requests", 100_000);
    int processors = Integer.getInteger("pagedstream.load.processors", 2);
    Duration limit = Duration.ofMinutes(Integer.getInteger("pagedstream.load.minutes", 30));
    // 256 sequences of at most 32 tokens fill the 512 blocks: the engine's defaults, a small pool
    Spec spec =
        new Spec(MODEL, requests, processors, 4, 512, 256, 256, 8, limit, Duration.ofSeconds(1));
    LoadReport report = BackpressureRun.run(spec);
    String text = report.text();
    System.out.print(text);
    Files.writeString(reportFile(requests), text);

    assertThat(report.failure()).isNull();
    assertBounded(report);
  }

  /** The bounds that make memory independent of the queue's length. */
  private static void assertBounded(LoadReport report) {
    Spec spec = report.spec();
    for (ProcessorPeaks p : report.processors()) {
      assertThat(p.peakHeldRequests())
          .as(
              "%s: requests held, at most what runs at once, a pool's worth waiting"
                  + " and one batch",
              p.instance())
          .isLessThan(2 * spec.maxNumSeqs() + spec.maxBatchRequests());
      assertThat(p.peakInFlightBatches())
          .as("%s: batches in flight", p.instance())
          .isLessThanOrEqualTo(p.maxInFlightBatches());
      assertThat(p.peakRunning()).isLessThanOrEqualTo(spec.maxNumSeqs());
      assertThat(p.peakKvBlocks()).isLessThanOrEqualTo(spec.kvBlocks());
    }
    assertThat(report.peakOpenBatchesPerTask())
        .as("open batches per batcher task")
        .isLessThanOrEqualTo(spec.batcher().maxOpenBatches());
    assertThat(report.peakBatcherOpenRequests())
        .as("requests in the batcher's open batches")
        .isLessThanOrEqualTo(
            (long) spec.partitions() * spec.batcher().maxOpenBatches() * spec.maxBatchRequests());
    // otherwise the two bounds above would hold vacuously
    assertThat(report.samples())
        .as("samples that read every batcher task's open batches")
        .anyMatch(s -> s.load().batcherTasks() == spec.partitions());
  }

  private static Path reportFile(int requests) throws IOException {
    Path target = Path.of("target");
    Files.createDirectories(target);
    return target.resolve("backpressure-" + requests + ".txt");
  }
}

package io.pagedstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Metrics;
import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.testing.SharedData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus endpoint answers with the processor's, batcher's and sink's series during a job.
 */
class MetricsEndpointTest {

  private static final Path MODEL = SharedData.model("stories260K");

  @TempDir Path dir;

  private static String scrape(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    return r.body();
  }

  private static double value(String body, String series) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(series) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
            .matcher(body);
    double sum = 0;
    boolean found = false;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
      found = true;
    }
    return found ? sum : Double.NaN;
  }

  @Test
  void seriesAreServedWhileAJobRuns() throws Exception {
    StringBuilder lines = new StringBuilder();
    Random rnd = new Random(2);
    for (int i = 0; i < 40; i++) {
      lines
          .append("{\"id\":\"m")
          .append(i)
          .append("\",\"prompt_token_ids\":")
          .append(java.util.Arrays.toString(rnd.ints(20, 1, 512).toArray()))
          .append(",\"max_tokens\":120,\"temperature\":0,\"ignore_eos\":true}\n");
    }
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, lines);
    EngineConfig engine = EngineConfig.defaults(256);
    try (MetricsServer server = MetricsServer.startOrNull(0)) {
      Metrics.addRegistry(server.registry());
      try (DevCluster pipeline =
          DevCluster.builder()
              .partitions(2)
              .batcher(BatcherCommand.configFor(MODEL, engine, 8, Duration.ofMillis(50)), true)
              .processors(List.of(ProcessorConfig.defaults(MODEL, engine, "metrics-0")))
              .meters(server.registry())
              .sink(DemoCommand.sink(dir.resolve("results")))
              .start()) {
        new JsonlIngest(pipeline.kafka(), IngestConfig.ofFile(input).withJobId("metrics")).run();
        List<String> ids = ResultIds.forInput(input);
        CompletableFuture<CompletionCollector.Outcome> job =
            CompletableFuture.supplyAsync(
                () ->
                    new CompletionCollector(pipeline.kafka(), "metrics")
                        .collect(ids, r -> {}, (n, t) -> {}, () -> true));
        double maxRunning = 0;
        double maxRate = 0;
        String during = "";
        while (!job.isDone()) {
          during = scrape(server.port());
          maxRunning = Math.max(maxRunning, value(during, "pagedstream_engine_running_sequences"));
          maxRate = Math.max(maxRate, value(during, "pagedstream_processor_tokens_per_second"));
          Thread.sleep(300);
        }
        assertThat(job.get().missing()).isEmpty();
        assertThat(maxRunning).as("running sequences seen during the job").isPositive();
        assertThat(maxRate).as("tokens per second seen during the job").isPositive();
        for (String series :
            List.of(
                "pagedstream_engine_waiting_sequences",
                "pagedstream_kv_blocks_used",
                "pagedstream_kv_blocks_free",
                "pagedstream_engine_preemptions_total",
                "pagedstream_prefix_cache_hit_rate",
                "pagedstream_processor_output_tokens_total",
                "pagedstream_batcher_batch_fill_count",
                "kafka_consumer_fetch_manager_records_lag_max")) {
          assertThat(value(during, series)).as(series).isNotNaN();
        }
        // the sink publishes at its commits; wait for the last one
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double sinkLines = 0;
        while (sinkLines < 40 && System.nanoTime() < deadline) {
          sinkLines = value(scrape(server.port()), "pagedstream_sink_lines_total");
          Thread.sleep(300);
        }
        String after = scrape(server.port());
        assertThat(sinkLines).isEqualTo(40);
        assertThat(value(after, "pagedstream_processor_output_tokens_total")).isEqualTo(40 * 120);
        assertThat(
                value(after, "pagedstream_kv_blocks_free")
                    + value(after, "pagedstream_kv_blocks_used"))
            .isEqualTo(256);
      } finally {
        Metrics.removeRegistry(server.registry());
      }
    }
  }
}

package io.pagedstream.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.app.run.DataDir;
import io.pagedstream.batcher.BatcherMetrics;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.EngineStats;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.IngestSummary;
import io.pagedstream.ingest.JobIds;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pagedstream demo}: the whole product on one machine, in about a minute. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "The main job, end to end on this machine: an embedded Kafka broker, an in-memory schema registry, "
            + "the batcher, a GPU processor (CPU here) and a Kafka Connect worker writing the results as JSONL; a few "
            + "dozen story openings through tiny-stories-synth, sampled with seeds. Prints a few completions, a summary "
            + "and the path of the results file.")
final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      description = "model folder (default: the repository's models/tiny-stories-synth, float16)")
  Path model;

  @Option(
      names = "--prompts",
      description = "requests as JSONL (default: the bundled story openings)")
  Path prompts;

  @Option(
      names = "--output-dir",
      defaultValue = "demo-output",
      description = "where the results go (default: ${DEFAULT-VALUE})")
  Path outputDir;

  @Option(
      names = "--processors",
      defaultValue = "1",
      description = "processor instances (default: ${DEFAULT-VALUE})")
  int processors;

  @Option(
      names = "--metrics-port",
      description = "serve Prometheus metrics on this port while the demo runs")
  Integer metricsPort;

  @Option(
      names = "--show",
      defaultValue = "3",
      description = "completions to print (default: ${DEFAULT-VALUE})")
  int show;

  @Option(names = "--verbose", description = "show the services' logs")
  boolean verbose;

  @Option(
      names = "--data-dir",
      description =
          "keep the embedded broker's data (and the job) here across runs, so the "
              + "same command resumes an interrupted demo (default: a temporary directory, deleted at exit)")
  Path dataDir;

  @Mixin KafkaOptions kafka;

  @Mixin EngineOptions engineOptions;

  /** A pool small enough that paging shows: a third of the demo's prompts fit at once. */
  static final int DEMO_KV_BLOCKS = 256;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      // before the services create their loggers: keep the progress bar readable
      System.setProperty("org.slf4j.simpleLogger.log.io.pagedstream", "warn");
    }
    if (engineOptions.kvBlocks == null) {
      engineOptions.kvBlocks = DEMO_KV_BLOCKS;
    }
    Path modelDir = model != null ? model : defaultModel();
    EngineConfig engine = engineOptions.toConfig(ModelSpec.load(modelDir), KvLayout.PAGED);
    Files.createDirectories(outputDir);
    Path input = prompts != null ? prompts : bundledPrompts(outputDir.resolve("prompts.jsonl"));
    Path results = outputDir.resolve("results").toAbsolutePath();
    if (dataDir != null && kafka.hasCluster()) {
      throw new IllegalArgumentException(
          "--data-dir is for the embedded broker; a cluster keeps its own data");
    }
    // with a data directory the job follows from the prompts, so running the demo again resumes it
    String job =
        dataDir != null
            ? RunDefaults.jobIdFor(input).replaceFirst("^run-", "demo-")
            : JobIds.generate().replace("job-", "demo-");
    List<String> ids = ResultIds.forInput(input);
    List<ProcessorConfig> configs = new ArrayList<>();
    for (int i = 0; i < processors; i++) {
      configs.add(
          ProcessorConfig.defaults(modelDir, engine, "demo-" + i)
              .withThreads(engineOptions.threads()));
    }
    String registryScope = "demo-" + UUID.randomUUID();
    long start = System.nanoTime();
    try (MetricsServer server = MetricsServer.startOrNull(metricsPort)) {
      MeterRegistry meters = server != null ? server.registry() : new SimpleMeterRegistry();
      // the sink's counters live on the global registry (Connect builds tasks by class name)
      Metrics.addRegistry(meters);
      try (DataDir data = dataDir == null ? null : DataDir.open(dataDir, Version.text());
          DevCluster pipeline =
              kafka
                  .devCluster(data, registryScope)
                  .partitions(4)
                  .batcher(
                      BatcherCommand.configFor(modelDir, engine, 64, Duration.ofMillis(100)), true)
                  .processors(configs)
                  .meters(meters)
                  .sink(sink(results))
                  .start();
          Progress progress = Progress.start("demo", ids.size(), false)) {
        if (data != null) {
          data.recordBrokerAddress(pipeline.bootstrapServers());
        }
        System.err.printf(
            "broker %s, %d processor(s) on %s%s%n",
            pipeline.bootstrapServers(),
            processors,
            pipeline.processors().get(0).engine().device(),
            server == null ? "" : ", metrics on :" + server.port() + "/metrics");
        long genStart = System.nanoTime();
        IngestSummary ingested =
            new JsonlIngest(pipeline.kafka(), IngestConfig.ofFile(input).withJobId(job)).run();
        List<GenerationResult> got = new ArrayList<>();
        CompletionCollector.Outcome outcome =
            new CompletionCollector(pipeline.kafka(), job, pipeline.completionsWrittenBefore())
                .collect(
                    ids,
                    got::add,
                    (n, tokens) -> progress.update(n, tokens, genStart),
                    () -> pipeline.failure() == null);
        double genSeconds = (System.nanoTime() - genStart) / 1e9;
        progress.close();
        if (!outcome.missing().isEmpty()) {
          throw new IllegalStateException(
              (pipeline.failure() != null ? pipeline.failure() : "results missing")
                  + ": "
                  + outcome.missing().size()
                  + " requests without a result");
        }
        List<Path> files = awaitSinkFiles(results, ids.size(), Duration.ofSeconds(60));
        printCompletions(input, got);
        printSummary(pipeline, meters, ingested, outcome, genSeconds);
        System.out.printf(
            Locale.ROOT, "%nresults (written by the Kafka Connect sink, exactly once):%n");
        files.forEach(f -> System.out.println("  " + f));
        System.out.printf(
            Locale.ROOT, "demo finished in %.1f s%n", (System.nanoTime() - start) / 1e9);
      } finally {
        Metrics.removeRegistry(meters);
      }
    }
    return 0;
  }

  /** The JSONL sink, committing every few records so that the files fill while the demo runs. */
  static DevCluster.Sink sink(Path results) {
    return new DevCluster.Sink(results, 16, 1);
  }

  /** Waits until the sink's files hold every result (lines are published at each commit). */
  private static List<Path> awaitSinkFiles(Path results, int expected, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Path> files = new ArrayList<>();
      long lines = 0;
      if (Files.isDirectory(results)) {
        try (Stream<Path> walk = Files.walk(results)) {
          for (Path f :
              walk.filter(
                      p ->
                          p.getFileName().toString().endsWith(".jsonl")
                              && !p.toString().contains("/.pagedstream/"))
                  .sorted()
                  .toList()) {
            files.add(f);
            try (Stream<String> l = Files.lines(f)) {
              lines += l.count();
            }
          }
        }
      }
      if (lines >= expected) {
        return files;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the Connect sink wrote " + lines + " of " + expected + " results to " + results);
      }
      Thread.sleep(200);
    }
  }

  private void printCompletions(Path input, List<GenerationResult> got) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, String> promptOf = new HashMap<>();
    for (String line : Files.readAllLines(input)) {
      try {
        var o = json.readTree(line);
        if (o.hasNonNull("id") && o.hasNonNull("prompt")) {
          promptOf.put(o.get("id").asText(), o.get("prompt").asText());
        } else if (o.hasNonNull("custom_id") && o.path("body").path("messages").isArray()) {
          // an OpenAI chat line: shown as its conversation, the answer after "assistant:"
          StringBuilder chat = new StringBuilder();
          for (var m : o.get("body").get("messages")) {
            chat.append(m.path("role").asText())
                .append(": ")
                .append(m.path("content").asText())
                .append('\n');
          }
          promptOf.put(o.get("custom_id").asText(), chat.append("assistant: ").toString());
        }
      } catch (IOException ignored) {
        // a bad line has no prompt to show
      }
    }
    int shown = 0;
    for (GenerationResult r : got) {
      // chat lines are always shown: the bundled prompts hold one (the model's chat template)
      boolean chat = r.format().kind() == ResponseFormat.Kind.CHAT;
      if ((shown >= show && !chat) || r.isError() || r.text() == null) {
        continue;
      }
      System.out.printf(
          Locale.ROOT, "%n--- %s ---%n%s%s%n", r.id(), promptOf.getOrDefault(r.id(), ""), r.text());
      shown++;
    }
  }

  private static void printSummary(
      DevCluster pipeline,
      MeterRegistry meters,
      IngestSummary ingested,
      CompletionCollector.Outcome outcome,
      double seconds) {
    long peakBlocks = 0;
    long totalBlocks = 0;
    long preemptions = 0;
    long prefixHits = 0;
    long promptTokens = 0;
    for (ProcessorService p : pipeline.processors()) {
      EngineStats s = p.engine().stats();
      peakBlocks = Math.max(peakBlocks, s.peakBlocksUsed());
      totalBlocks = p.engine().config().numKvBlocks();
      preemptions += s.preemptions();
      prefixHits += s.prefixCacheHitTokens();
      promptTokens += s.promptTokens();
    }
    DistributionSummary fill = meters.find(BatcherMetrics.BATCH_FILL).summary();
    System.out.printf(Locale.ROOT, "%nsummary%n");
    System.out.printf(
        Locale.ROOT,
        "  requests            %d (%d errors, %d answered from the response cache)%n",
        ingested.lines(),
        outcome.errors(),
        outcome.cached());
    long generated = outcome.outputTokens() - outcome.earlierOutputTokens();
    if (outcome.earlierResults() > 0) {
      System.out.printf(
          Locale.ROOT,
          "  resumed             %d results from an earlier run%n",
          outcome.earlierResults());
    }
    System.out.printf(
        Locale.ROOT,
        "  output tokens       %d in %.1f s: %.1f tok/s%n",
        generated,
        seconds,
        generated / seconds);
    System.out.printf(
        Locale.ROOT,
        "  KV blocks used      %d of %d at peak (blocks of %d tokens)%n",
        peakBlocks,
        totalBlocks,
        pipeline.processors().get(0).engine().config().blockSize());
    System.out.printf(Locale.ROOT, "  preemptions         %d%n", preemptions);
    System.out.printf(
        Locale.ROOT, "  prefix-cache hits   %d of %d prompt tokens%n", prefixHits, promptTokens);
    DistributionSummary size = meters.find(BatcherMetrics.BATCH_REQUESTS).summary();
    System.out.printf(
        Locale.ROOT,
        "  batches             %d, mean %.1f requests, mean fill %.0f%% of the %d-block KV budget%n",
        fill == null ? 0 : fill.count(),
        size == null ? 0 : size.mean(),
        fill == null ? 0 : 100 * fill.mean(),
        totalBlocks);
  }

  /**
   * The float16 demo model in the repository: PAGEDSTREAM_HOME (set by the launcher), else the
   * working directory.
   */
  private static Path defaultModel() {
    String home = System.getenv("PAGEDSTREAM_HOME");
    Path base = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
    Path m = base.resolve("models").resolve("tiny-stories-synth");
    if (!Files.isDirectory(m)) {
      throw new IllegalArgumentException("no demo model at " + m + ": give --model DIR");
    }
    return m;
  }

  private static Path bundledPrompts(Path target) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/prompts.jsonl")) {
      if (in == null) {
        throw new IllegalStateException("the bundled demo prompts are missing from the jar");
      }
      Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }
}

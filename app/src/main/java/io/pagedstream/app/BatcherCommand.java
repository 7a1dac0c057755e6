package io.pagedstream.app;

import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.batcher.BatcherService;
import io.pagedstream.batcher.KvBudget;
import io.pagedstream.batcher.jobs.JobsService;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pagedstream batcher}: the Kafka Streams batcher against a cluster. */
@Command(
    name = "batcher",
    mixinStandardHelpOptions = true,
    description =
        "Run the batcher: validate and tokenize llm.requests, pack them into batches that fit the "
            + "processors' KV budget (the same --kv-blocks / --kv-cache-gib / --block-size the processors use), "
            + "write llm.batches; invalid requests become error completions, cached ones are answered at once. Also runs "
            + "the jobs aggregation behind `status`. Runs until stopped.")
final class BatcherCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      required = true,
      description = "model folder (config.json; tokenizer.json for text prompts)")
  Path model;

  @Option(
      names = "--max-batch-requests",
      defaultValue = "256",
      description = "requests per batch at most (default: ${DEFAULT-VALUE})")
  int maxBatchRequests;

  @Option(
      names = "--flush-ms",
      defaultValue = "200",
      description =
          "send a batch this long after it opened, full or not (default: ${DEFAULT-VALUE})")
  long flushMs;

  @Option(
      names = "--prefix-blocks",
      defaultValue = "1",
      description =
          "leading full KV blocks of a prompt that key "
              + "prefix-aware batching and routing: requests sharing them go to the same partition and processor; 0 routes "
              + "batches by batch id only (default: ${DEFAULT-VALUE})")
  int prefixBlocks;

  @Option(
      names = "--served-model-name",
      description =
          "the model name OpenAI batch lines must give in body.model "
              + "(default: the model folder's name)")
  String servedModelName;

  @Option(names = "--metrics-port", description = "serve Prometheus metrics on this port")
  Integer metricsPort;

  @Option(
      names = "--no-jobs",
      description = "do not also run the jobs aggregation (llm.jobs, read by status)")
  boolean noJobs;

  @Mixin KafkaOptions kafka;

  @Mixin EngineOptions engineOptions;

  /** The batcher that packs for processors configured with {@code engine}. */
  static BatcherConfig configFor(
      Path model, EngineConfig engine, int maxBatchRequests, Duration flush) {
    return BatcherConfig.defaults(model)
        .withBlockSize(engine.blockSize())
        .withKvBudget(new KvBudget.Blocks(engine.numKvBlocks()))
        .withMaxBatchRequests(maxBatchRequests)
        .withFlushInterval(flush);
  }

  @Override
  public Integer call() throws Exception {
    EngineConfig engine = engineOptions.toConfig(ModelSpec.load(model), KvLayout.PAGED);
    BatcherConfig config =
        configFor(model, engine, maxBatchRequests, Duration.ofMillis(flushMs))
            .withPrefixBlocks(prefixBlocks)
            .withServedModelName(servedModelName);
    var settings = kafka.settings();
    try (MetricsServer metrics = MetricsServer.startOrNull(metricsPort);
        BatcherService batcher =
            BatcherService.create(config, settings, metrics == null ? null : metrics.registry());
        JobsService jobs = noJobs ? null : JobsService.start(settings)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    batcher.close();
                    if (jobs != null) {
                      jobs.close();
                    }
                  }));
      batcher.start();
      System.err.printf(
          "batcher running (budget %d KV blocks of %d tokens)%s; Ctrl-C to stop%n",
          engine.numKvBlocks(),
          engine.blockSize(),
          metrics == null ? "" : ", metrics on :" + metrics.port() + "/metrics");
      while (running(batcher.state()) && (jobs == null || running(jobs.state()))) {
        Thread.sleep(500);
      }
      // either one failing ends the command: a batcher without its aggregation would leave status
      // blind
      if (failed(batcher.state())) {
        throw new IllegalStateException("batcher stopped" + reason(batcher.failure()));
      }
      if (jobs != null && failed(jobs.state())) {
        throw new IllegalStateException(
            "the jobs aggregation stopped"
                + reason(jobs.failure())
                + (refused(jobs.failure())
                    ? " (this user also needs the jobs aggregation's ACLs, or use --no-jobs)"
                    : ""));
      }
      System.err.println("batcher stopped: " + batcher.state());
    }
    return 0;
  }

  private static boolean running(KafkaStreams.State state) {
    return state.isRunningOrRebalancing() || state == KafkaStreams.State.CREATED;
  }

  private static boolean failed(KafkaStreams.State state) {
    return state == KafkaStreams.State.PENDING_ERROR || state == KafkaStreams.State.ERROR;
  }

  private static boolean refused(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthorizationException) {
        return true;
      }
    }
    return false;
  }

  private static String reason(Throwable failure) {
    return failure == null ? "" : ": " + OneLineErrors.describe(failure);
  }
}

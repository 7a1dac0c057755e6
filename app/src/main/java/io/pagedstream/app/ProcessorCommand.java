package io.pagedstream.app;

import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.engine.scheduler.SchedulerConfig.KvLayout;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pagedstream processor}: one GPU processor instance against a Kafka cluster. */
@Command(
    name = "processor",
    mixinStandardHelpOptions = true,
    description =
        "Run one GPU processor: consume llm.batches in a consumer group, generate with the paged engine, "
            + "write llm.completions exactly once. Runs until stopped (SIGTERM/Ctrl-C commit what is finished).")
final class ProcessorCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "model folder")
  Path model;

  @Option(
      names = "--instance-id",
      description =
          "stable id of this GPU slot (default: host name); a restart with the same id fences the old instance at once")
  String instanceId;

  @Option(
      names = "--group",
      defaultValue = ProcessorConfig.DEFAULT_GROUP,
      description = "consumer group (default: ${DEFAULT-VALUE})")
  String group;

  @Option(names = "--metrics-port", description = "serve Prometheus metrics on this port")
  Integer metricsPort;

  @Mixin KafkaOptions kafka;

  @Mixin EngineOptions engineOptions;

  @Override
  public Integer call() throws Exception {
    ModelSpec spec = ModelSpec.load(model);
    String id = instanceId != null ? instanceId : InetAddress.getLocalHost().getHostName();
    ProcessorConfig config =
        ProcessorConfig.defaults(model, engineOptions.toConfig(spec, KvLayout.PAGED), id)
            .withGroupId(group)
            .withThreads(engineOptions.threads());
    try (MetricsServer metrics = MetricsServer.startOrNull(metricsPort);
        ProcessorService service =
            ProcessorService.start(
                config, kafka.settings(), metrics == null ? null : metrics.registry())) {
      Runtime.getRuntime().addShutdownHook(new Thread(service::close));
      System.err.printf(
          "processor %s running (%d KV blocks of %d tokens)%s; Ctrl-C to stop%n",
          id,
          config.engine().numKvBlocks(),
          config.engine().blockSize(),
          metrics == null ? "" : ", metrics on :" + metrics.port() + "/metrics");
      while (service.isRunning()) {
        Thread.sleep(500);
      }
      if (service.failure() != null) {
        throw new IllegalStateException(
            "processor stopped: " + service.failure().getMessage(), service.failure());
      }
    }
    return 0;
  }
}

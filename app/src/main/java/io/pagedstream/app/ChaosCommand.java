package io.pagedstream.app;

import io.pagedstream.chaos.ChaosReport;
import io.pagedstream.chaos.ChaosRun;
import io.pagedstream.chaos.ChaosWorkload;
import io.pagedstream.chaos.FaultPlan;
import io.pagedstream.core.model.ModelPreset;
import io.pagedstream.core.model.RandomModelWriter;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.processor.ProcessorConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagedstream chaos}: a job on the embedded pipeline while processors, Connect and the
 * broker are killed.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description =
        "Run a synthetic job through the whole pipeline on an embedded broker (batcher, N processors, the "
            + "Kafka Connect JSONL sink) while killing things: every --kill-every seconds a random processor dies "
            + "abruptly (no commit, no close) and is replaced under the same instance id; with --restart-connect the "
            + "Connect worker is killed and restarted every second tick, with --restart-broker the broker restarts every "
            + "third. A --bad-fraction of the inputs come from the bad-input corpus (bad lines through ingest, bad records "
            + "straight to llm.requests, llm.batches and llm.completions). With --brokers 3 --kill-broker-every S the "
            + "pipeline runs on a replicated three-broker cluster whose brokers are SIGKILLed and started again. At the end every input's answer is read back "
            + "from the committed completions topic (the source of truth), the dead-letter topics and the sink's files. "
            + "Exits 0 only when nothing was lost or duplicated, every bad input got its error result or dead letter and "
            + "no valid request failed.")
public final class ChaosCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      description =
          "model folder (default: a random-weight `tiny` model written to a temporary folder; "
              + "prompts are token ids, so any model works)")
  Path model;

  @Option(
      names = "--requests",
      defaultValue = "2000",
      description = "inputs in all, bad ones included (default: ${DEFAULT-VALUE})")
  int requests;

  @Option(
      names = "--processors",
      defaultValue = "3",
      description = "processor instances (default: ${DEFAULT-VALUE})")
  int processors;

  @Option(
      names = "--partitions",
      description =
          "partitions of the pipeline's topics (default: twice the processors, at least 4)")
  Integer partitions;

  @Option(
      names = "--kill-every",
      defaultValue = "10",
      description = "seconds between faults (default: ${DEFAULT-VALUE})")
  double killEvery;

  @Option(names = "--restart-broker", description = "also restart the broker, every third fault")
  boolean restartBroker;

  @Option(
      names = "--brokers",
      defaultValue = "1",
      description =
          "brokers: 1 runs one in-process broker; 3 or more run a "
              + "replicated KRaft cluster, each broker a JVM of its own, every topic with 3 replicas and min.insync.replicas 2 "
              + "(default: ${DEFAULT-VALUE})")
  int brokers;

  @Option(
      names = "--controllers",
      defaultValue = "3",
      description =
          "controller quorum of a replicated cluster: 3 (brokers "
              + "1-3 are also controllers) or 1 (a controller-only node that is never killed) (default: ${DEFAULT-VALUE})")
  int controllers;

  @Option(
      names = "--kill-broker-every",
      description =
          "with --brokers 3 or more: every this many seconds (once every "
              + "partition is back in sync) SIGKILL the broker that leads the most pipeline partitions or coordinates the most "
              + "transactional producers (their transaction coordinator), and start it again 12 s later")
  Double killBrokerEvery;

  @Option(
      names = "--restart-connect",
      description = "also kill and restart the Connect worker, every second fault")
  boolean restartConnect;

  @Option(
      names = "--bad-fraction",
      defaultValue = "0.05",
      description = "share of inputs from the bad-input corpus (default: ${DEFAULT-VALUE})")
  double badFraction;

  @Option(
      names = "--max-tokens",
      defaultValue = "160",
      description =
          "valid requests ask for a quarter of this to this many tokens; the default keeps a 2000-request run on two CPU cores busy for a minute or more, long enough for several faults (default: ${DEFAULT-VALUE})")
  int maxTokens;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "seed of the inputs and of the fault choices (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(
      names = "--kv-blocks",
      defaultValue = "2048",
      description = "KV cache blocks per processor (default: ${DEFAULT-VALUE})")
  int kvBlocks;

  @Option(
      names = "--max-batch-requests",
      defaultValue = "16",
      description = "requests per batch at most (default: ${DEFAULT-VALUE})")
  int maxBatchRequests;

  @Option(
      names = "--timeout",
      defaultValue = "1800",
      description =
          "seconds to wait for every answer before reporting what is missing (default: ${DEFAULT-VALUE})")
  long timeoutSeconds;

  @Option(
      names = "--work-dir",
      description =
          "keep the input file and the sink's files here (default: a temporary folder, deleted)")
  Path workDir;

  @Option(names = "--json", description = "print the figures as one line of JSON last")
  boolean json;

  @Spec CommandSpec spec;

  /** Runs the command alone, for when it is not registered in the launcher. */
  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new ChaosCommand());
    cl.setExecutionExceptionHandler(new OneLineErrors());
    System.exit(cl.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (!(killEvery > 0)) {
      throw new IllegalArgumentException("--kill-every must be positive, got " + killEvery);
    }
    Path scratch = Files.createTempDirectory("pagedstream-chaos-");
    try {
      Path modelDir = model != null ? model : writeTinyModel(scratch.resolve("model"));
      Path work =
          workDir != null
              ? Files.createDirectories(workDir)
              : Files.createDirectories(scratch.resolve("work"));
      EngineConfig engine = EngineConfig.defaults(kvBlocks);
      ChaosRun.Settings settings =
          new ChaosRun.Settings(
              modelDir,
              work,
              new ChaosWorkload.Shape(requests, badFraction, maxTokens, seed),
              processors,
              partitions != null ? partitions : Math.max(4, 2 * processors),
              new FaultPlan(
                  Duration.ofMillis(Math.round(killEvery * 1000)),
                  restartConnect,
                  restartBroker,
                  killBrokerEvery == null
                      ? null
                      : Duration.ofMillis(Math.round(killBrokerEvery * 1000)),
                  seed),
              BatcherCommand.configFor(modelDir, engine, maxBatchRequests, Duration.ofMillis(100)),
              ProcessorConfig.defaults(modelDir, engine, "chaos"),
              Duration.ofSeconds(timeoutSeconds),
              brokers,
              controllers);
      PrintWriter err = spec.commandLine().getErr();
      ChaosReport report =
          new ChaosRun(
                  settings,
                  line -> {
                    err.println(line);
                    err.flush();
                  })
              .execute();
      PrintWriter out = spec.commandLine().getOut();
      // the sink's files are only worth naming when they are kept
      out.print((workDir != null ? report : report.withoutSinkDir()).text());
      if (json) {
        out.println(report.json());
      }
      out.flush();
      return report.passed() ? 0 : 1;
    } finally {
      deleteQuietly(scratch);
    }
  }

  private Path writeTinyModel(Path dir) throws IOException {
    RandomModelWriter.write(ModelPreset.get("tiny"), seed, dir);
    return dir;
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary folder left behind is not worth failing the run for
    }
  }
}

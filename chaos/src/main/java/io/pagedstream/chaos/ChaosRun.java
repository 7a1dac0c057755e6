package io.pagedstream.chaos;

import io.pagedstream.batcher.BatcherConfig;
import io.pagedstream.core.model.ModelSpec;
import io.pagedstream.ingest.IngestConfig;
import io.pagedstream.ingest.IngestException;
import io.pagedstream.ingest.JsonlIngest;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.schemas.KafkaClientSettings;
import io.pagedstream.schemas.KafkaSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run: generate the inputs, start the {@link ChaosCluster}, send the bad records and
 * ingest the file while the {@link FaultSchedule} kills and restarts things, wait until every input
 * is answered in the completions or dead-letter topics, stop the faults, let the sink catch up,
 * stop it gracefully, and reconcile the topics and the files against the inputs.
 */
public final class ChaosRun {

  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
  private static final Duration SINK_CATCH_UP = Duration.ofMinutes(3);
  private static final Duration FINAL_READ = Duration.ofMinutes(2);
  private static final long PROGRESS_EVERY_NANOS = Duration.ofSeconds(5).toNanos();

  /**
   * What to run.
   *
   * @param model the model folder
   * @param workDir where the input file and the sink's files go
   * @param shape the inputs
   * @param processors processor slots
   * @param partitions partitions of the pipeline's topics
   * @param faults the fault rhythm
   * @param batcher the batcher's settings
   * @param processor the processors' settings; each slot gets its own instance id
   * @param timeout give up waiting for answers after this long
   * @param brokers 1 for the in-process broker, 3 or more for a replicated cluster
   * @param controllers the replicated cluster's controller quorum, 1 or 3
   */
  public record Settings(
      Path model,
      Path workDir,
      ChaosWorkload.Shape shape,
      int processors,
      int partitions,
      FaultPlan faults,
      BatcherConfig batcher,
      ProcessorConfig processor,
      Duration timeout,
      int brokers,
      int controllers) {
    public Settings {
      if (processors < 1 || partitions < 1) {
        throw new IllegalArgumentException("--processors and --partitions must be at least 1");
      }
      if (brokers != 1 && brokers < 3) {
        throw new IllegalArgumentException(
            "--brokers must be 1 (in-process) or at least 3 (replication factor 3), got "
                + brokers);
      }
      if (faults.killBrokerEvery() != null && brokers == 1) {
        throw new IllegalArgumentException(
            "--kill-broker-every needs a replicated cluster: give --brokers 3 or more");
      }
      if (faults.restartBroker() && brokers > 1) {
        throw new IllegalArgumentException(
            "--restart-broker restarts the single in-process broker; with --brokers "
                + brokers
                + " use --kill-broker-every");
      }
      if (controllers != 1 && controllers != 3) {
        throw new IllegalArgumentException("--controllers must be 1 or 3, got " + controllers);
      }
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;

  /** {@code progress} gets a line every few seconds. */
  public ChaosRun(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  public ChaosReport execute() throws IOException, InterruptedException {
    long start = System.nanoTime();
    ChaosWorkload workload =
        ChaosWorkload.write(
            settings.workDir().resolve("input.jsonl"),
            settings.shape(),
            ModelSpec.load(settings.model()),
            BadInputCorpus.load());
    Path sinkDir = settings.workDir().resolve("results");
    List<ProcessorConfig> slots = new ArrayList<>();
    for (int i = 0; i < settings.processors(); i++) {
      slots.add(withInstance(settings.processor(), "chaos-" + i));
    }
    String job =
        "chaos-"
            + Long.toHexString(settings.shape().seed())
            + "-"
            + Long.toHexString(System.currentTimeMillis());
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    try (ChaosCluster cluster =
        ChaosCluster.start(
            new ChaosCluster.Setup(
                settings.partitions(),
                settings.batcher(),
                slots,
                sinkDir,
                settings.brokers(),
                settings.controllers()))) {
      say(
          "chaos: %d inputs (%d bad) for %d processor(s) on %d broker(s) at %s; faults every %.1f s%s%s%s",
          settings.shape().inputs(),
          workload.bad().size(),
          settings.processors(),
          settings.brokers(),
          cluster.kafka().bootstrapServers(),
          settings.faults().every().toMillis() / 1000.0,
          settings.faults().restartConnect() ? ", Connect restarts" : "",
          settings.faults().restartBroker() ? ", broker restarts" : "",
          settings.faults().killBrokerEvery() == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  ", a broker killed every %.0f s",
                  settings.faults().killBrokerEvery().toMillis() / 1000.0));
      FaultTally tally;
      String harnessFailure;
      try (FaultSchedule faults = FaultSchedule.start(cluster, settings.faults());
          AnswerReader live = new AnswerReader(cluster.kafka())) {
        sendRecords(cluster.kafka(), workload, job);
        ingest(cluster.kafka(), workload, job, deadline);
        awaitAnswers(live, workload, faults, deadline, start);
        faults.close();
        tally = faults.tally();
        harnessFailure = faults.failure() == null ? null : faults.failure().toString();
      }
      awaitSinkFiles(cluster, workload, sinkDir);
      cluster.stopSink();
      AnswerLedger files = SinkFiles.read(sinkDir);
      try (AnswerReader all = new AnswerReader(cluster.kafka())) {
        if (!all.readToEnd(FINAL_READ)) {
          LOG.warn(
              "could not read the topics to their end within {} s: the figures may be short",
              FINAL_READ.toSeconds());
        }
        Reconciliation figures = Reconciliation.of(workload, all, files);
        List<String> shortfalls =
            ReplicationAudit.shortfalls(cluster.kafka(), cluster.replication());
        return new ChaosReport(
            settings.shape().inputs(),
            figures,
            tally,
            (System.nanoTime() - start) / 1e9,
            harnessFailure,
            sinkDir.toString(),
            shortfalls);
      }
    }
  }

  /**
   * The record cases go straight to their topics, with an idempotent producer (no duplicates on
   * retry).
   */
  private void sendRecords(KafkaSettings kafka, ChaosWorkload workload, String job) {
    BadRecords records = new BadRecords(kafka, job);
    Map<String, Object> props =
        KafkaClientSettings.producer(kafka, "chaos-bad-records", null).build();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (ChaosWorkload.PlannedInput in : workload.bad()) {
        if (!in.badCase().isLine()) {
          ProducerRecord<byte[], byte[]> r = records.build(in.badCase(), in.id());
          producer.send(r);
        }
      }
      producer.flush();
    }
  }

  /**
   * Ingests the file; a failed run (the broker went away mid-chunk) is run again under the same job
   * id, which resumes after the last committed chunk, as an operator would.
   */
  private void ingest(KafkaSettings kafka, ChaosWorkload workload, String job, long deadline)
      throws InterruptedException {
    while (true) {
      try {
        new JsonlIngest(kafka, IngestConfig.ofFile(workload.file()).withJobId(job)).run();
        return;
      } catch (IngestException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.warn("ingest failed, resuming: {}", e.getMessage());
        Thread.sleep(2000);
      }
    }
  }

  private void awaitAnswers(
      AnswerReader live, ChaosWorkload workload, FaultSchedule faults, long deadline, long start) {
    List<String> expected = Reconciliation.expectedIds(workload);
    int total =
        expected.size()
            + (workload.bad().size()
                - (int)
                    workload.bad().stream()
                        .filter(b -> b.badCase().answer() == BadInputCase.Answer.ERROR)
                        .count());
    long lastSaid = System.nanoTime();
    while (System.nanoTime() < deadline) {
      live.poll();
      int answered = answered(live, workload, expected);
      if (answered == total) {
        say("chaos: all %d inputs answered after %.0f s", total, (System.nanoTime() - start) / 1e9);
        return;
      }
      if (faults.failure() != null) {
        // nobody supervises the services any more: waiting on would only run into the timeout
        say(
            "chaos: the fault schedule broke down (%s); %d/%d answered",
            faults.failure(), answered, total);
        return;
      }
      if (System.nanoTime() - lastSaid > PROGRESS_EVERY_NANOS) {
        lastSaid = System.nanoTime();
        FaultTally t = faults.tally();
        say(
            "chaos: %d/%d answered, %.0f s; %d processor kills, %d Connect kills, %d broker restarts, %d broker kills, "
                + "%d services restarted",
            answered,
            total,
            (System.nanoTime() - start) / 1e9,
            t.processorKills(),
            t.connectRestarts(),
            t.brokerRestarts(),
            t.brokerKills(),
            t.serviceRestarts().size());
      }
    }
    say("chaos: gave up waiting after %d s", settings.timeout().toSeconds());
  }

  private static int answered(AnswerReader live, ChaosWorkload workload, List<String> expected) {
    int n = 0;
    for (String id : expected) {
      n += live.completions.has(id) ? 1 : 0;
    }
    for (ChaosWorkload.PlannedInput in : workload.bad()) {
      n +=
          switch (in.badCase().answer()) {
            case ERROR -> 0; // counted with the expected ids
            case DEAD_LETTER -> live.deadLetters.has(in.id()) ? 1 : 0;
            case SINK_DEAD_LETTER -> live.sinkDeadLetters.has(in.id()) ? 1 : 0;
          };
    }
    return n;
  }

  /**
   * Waits (supervising) until the files hold every expected id: the sink commits every second or
   * so.
   */
  private void awaitSinkFiles(ChaosCluster cluster, ChaosWorkload workload, Path sinkDir)
      throws InterruptedException {
    List<String> expected = Reconciliation.expectedIds(workload);
    long deadline = System.nanoTime() + SINK_CATCH_UP.toNanos();
    while (System.nanoTime() < deadline) {
      cluster.supervise();
      AnswerLedger files = SinkFiles.read(sinkDir);
      long missing = expected.stream().filter(id -> !files.has(id)).count();
      if (missing == 0) {
        return;
      }
      Thread.sleep(500);
    }
    say("chaos: the sink's files still lack some results after %d s", SINK_CATCH_UP.toSeconds());
  }

  private static ProcessorConfig withInstance(ProcessorConfig c, String instanceId) {
    return c.withInstanceId(instanceId);
  }

  private void say(String format, Object... args) {
    progress.accept(String.format(Locale.ROOT, format, args));
  }
}

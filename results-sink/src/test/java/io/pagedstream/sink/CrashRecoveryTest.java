package io.pagedstream.sink;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The done-criterion of the results sink: a worker process killed with SIGKILL in the middle of a
 * stream and started again leaves every request id exactly once in the files.
 */
class CrashRecoveryTest {

  private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(240);
  private static final int TOTAL = 3000;

  /** Where the stream is held back until the worker has been killed: well past a third. */
  private static final int SPLIT = TOTAL / 2;

  private static final String NAME = "completions-jsonl";

  @TempDir Path dir;

  @Test
  void everyRequestIdIsWrittenOnceAfterTheWorkerIsKilledMidStream() throws Exception {
    Path out = dir.resolve("out");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
      kafka.createTopics(List.of(new NewTopic(Topics.COMPLETIONS, 4, (short) 1)));
      Map<String, String> worker =
          Map.of(
              "bootstrap.servers", kafka.bootstrapServers(),
              "key.converter", "org.apache.kafka.connect.storage.StringConverter",
              // another JVM cannot see this one's mock schema registry, so the stream is JSON here
              "value.converter", "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable", "false",
              "plugin.discovery", "service_load",
              "connector.client.config.override.policy", "All",
              "offset.flush.interval.ms", "300",
              // the killed worker's consumer stays in the group until this runs out
              "consumer.session.timeout.ms", "6000",
              "consumer.heartbeat.interval.ms", "1000");
      Map<String, String> connector =
          Map.of(
              "name",
              NAME,
              "connector.class",
              CompletionSinkConnector.class.getName(),
              "tasks.max",
              "2",
              "topics",
              Topics.COMPLETIONS,
              "output.dir",
              out.toString(),
              "consumer.override.isolation.level",
              "read_committed");
      OutputFiles files = new OutputFiles(out);

      try (ForkedWorker connect = new ForkedWorker(dir, worker, connector);
          CompletionProducer producer =
              new CompletionProducer(
                  kafka.clientProperties(), c -> TestCompletions.json(c).getBytes(UTF_8))) {
        connect.start();
        connect.awaitRunning(NAME, TIMEOUT);

        // A steady stream, produced in two parts with the kill in between: whenever the worker
        // reads the first part, and however fast it drains it, the kill lands with part of the
        // stream in the files and the rest of it not even produced yet. The kill waits for a
        // moment with uncommitted lines in pending files, which recovery must discard and consume
        // again; only a worker that drains the whole first part before such a moment is seen is
        // killed idle, so the wait cannot outlast the first part.
        CompletableFuture<Void> firstPart =
            CompletableFuture.runAsync(() -> produce(producer, 0, SPLIT));
        Await.until(
            "a third of the stream in the files, with uncommitted lines pending or the first "
                + SPLIT
                + " all in the files",
            TIMEOUT,
            () -> {
              int inFiles = files.distinctIdsWhileWriting();
              return inFiles >= TOTAL / 3 && (pendingFiles(out) > 0 || inFiles >= SPLIT);
            },
            () -> files.distinctIdsWhileWriting() + " so far; worker log:\n" + connect.logTail());
        connect.kill();
        LOG.info(
            "Killed the worker with {} ids in the files; uncommitted pending files left behind: {}",
            files.distinctIdsWhileWriting(),
            pendingFiles(out));

        // The rest of the stream goes on while the worker is down and while it comes back.
        CompletableFuture<Void> stream =
            firstPart.thenRunAsync(() -> produce(producer, SPLIT, TOTAL));
        connect.start();
        connect.awaitRunning(NAME, TIMEOUT);
        stream.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        Await.until(
            "all " + TOTAL + " ids in the files",
            TIMEOUT,
            () -> files.distinctIdsWhileWriting() == TOTAL,
            () -> files.distinctIdsWhileWriting() + " so far; worker log:\n" + connect.logTail());
        connect.stop();
        connect.logLines("recovered to offset").forEach(line -> LOG.info("worker: {}", line));
      }

      files.assertExactlyOnce(TOTAL);
    }
  }

  /** Completions {@code from..to-1}, 100 every 150 ms; one aborted transaction halfway. */
  private static void produce(CompletionProducer producer, int from, int to) {
    for (int start = from; start < to; start += 100) {
      producer.produce(start, Math.min(to, start + 100), 10);
      if (start == TOTAL / 2) {
        producer.produceAborted(30);
      }
      sleep(150);
    }
  }

  /**
   * The pending files on disk: one for each job with lines appended since its partition's last
   * commit (their lines may still be in the worker's buffers), so after the kill, the uncommitted
   * data that recovery has to discard.
   */
  private static long pendingFiles(Path out) {
    Path pending = out.resolve(".pagedstream/pending");
    if (!Files.isDirectory(pending)) {
      return 0;
    }
    try (Stream<Path> all = Files.walk(pending)) {
      return all.filter(Files::isRegularFile).count();
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return -1; // files come and go while a worker runs; unknown
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

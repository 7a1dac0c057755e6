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

        // A steady stream while the worker dies and comes back.
        CompletableFuture<Void> stream =
            CompletableFuture.runAsync(
                () -> {
                  for (int from = 0; from < TOTAL; from += 100) {
                    producer.produce(from, from + 100, 10);
                    if (from == TOTAL / 2) {
                      producer.produceAborted(30);
                    }
                    sleep(150);
                  }
                });

        Await.until(
            "a third of the stream in the files, with more pending",
            TIMEOUT,
            () -> files.distinctIdsWhileWriting() >= TOTAL / 3 && hasPendingData(out));
        connect.kill();
        LOG.info(
            "Killed the worker with {} ids in the files; pending data left behind: {}",
            files.distinctIdsWhileWriting(),
            hasPendingData(out));

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

  private static boolean hasPendingData(Path out) {
    Path pending = out.resolve(".pagedstream/pending");
    if (!Files.isDirectory(pending)) {
      return false;
    }
    try (Stream<Path> all = Files.walk(pending)) {
      return all.anyMatch(p -> Files.isRegularFile(p) && p.toFile().length() > 0);
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return false; // files come and go while we look
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

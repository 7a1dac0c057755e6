package io.pagedstream.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.Topics;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged plugin folder (target/plugins/pagedstream-results-sink) installed as
 * connect/README.md says: a worker whose own classpath has Kafka Connect but none of our classes
 * finds the connector and the converter on plugin.path, in their own class loader, and runs the
 * repository's connector config. An integration test: it needs the package phase's output.
 */
class PluginFolderIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(240);
  private static final Path PLUGINS = Path.of("target", "plugins").toAbsolutePath();

  @TempDir Path dir;

  /** The test classpath without our modules and what only our plugin folder should bring. */
  private static String workerClasspath() {
    return Arrays.stream(ForkedWorker.testClasspath().split(File.pathSeparator))
        .filter(
            entry ->
                !entry.contains("pagedstream")
                    && !entry.contains("/io/pagedstream/")
                    && !entry.contains(File.separator + "target" + File.separator)
                    && !entry.contains("/org/apache/avro/"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  @Test
  void aWorkerWithoutOurClassesRunsTheConnectorFromThePluginFolder() throws Exception {
    assertThat(PLUGINS.resolve("pagedstream-results-sink")).isDirectory();
    Path out = dir.resolve("out");
    Map<String, String> connector =
        new java.util.HashMap<>(
            ConnectConfigFilesTest.properties("completion-jsonl-sink.properties"));
    connector.put("output.dir", out.toString());
    connector.put("tasks.max", "1");
    // a registry in another JVM cannot be shared, so this stream is JSON
    connector.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    connector.put("value.converter.schemas.enable", "false");

    try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
      kafka.createTopics(List.of(new NewTopic(Topics.COMPLETIONS, 2, (short) 1)));
      Map<String, String> worker =
          new java.util.HashMap<>(
              ConnectConfigFilesTest.properties("worker-standalone.properties"));
      worker.put("bootstrap.servers", kafka.bootstrapServers());
      worker.put("plugin.path", PLUGINS.toString());
      worker.put("offset.flush.interval.ms", "500");
      worker.remove("value.converter.schema.registry.url");

      OutputFiles files = new OutputFiles(out);
      try (ForkedWorker connect = new ForkedWorker(dir, workerClasspath(), worker, connector);
          CompletionProducer producer =
              new CompletionProducer(
                  kafka.clientProperties(), c -> TestCompletions.json(c).getBytes(UTF_8))) {
        connect.start();
        connect.awaitRunning(connector.get("name"), TIMEOUT);
        assertThat(connect.get("/connector-plugins?connectorsOnly=false"))
            .contains("io.pagedstream.sink.CompletionSinkConnector")
            .contains("io.pagedstream.schemas.connect.AvroConverter");
        producer.produce(0, 50, 10);
        Await.until(
            "50 completions in the files",
            TIMEOUT,
            () -> files.distinctIdsWhileWriting() == 50,
            connect::logTail);
        connect.stop();
      }
      files.assertExactlyOnce(50);
    }
  }
}

package io.pagedstream.app.resume;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.app.PagedStream;
import io.pagedstream.app.run.StoredJobs;
import io.pagedstream.core.request.ResultIds;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code run --data-dir} in a JVM of its own, killed with SIGKILL once some results are committed,
 * then the very same command again: every id is answered exactly once, in input order, with the
 * tokens an uninterrupted {@code generate} gives, and the second run generated only the requests
 * the first had not committed.
 */
class CrashResumeTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final int REQUESTS = 240;
  private static final int TOKENS = 48;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aRunKilledWholeResumesWithOnlyTheMissingRequests() throws Exception {
    Path input = dir.resolve("job.jsonl");
    Random rnd = new Random(17);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < REQUESTS; i++) {
      lines
          .append("{\"id\":\"q")
          .append(i)
          .append("\",\"prompt_token_ids\":")
          .append(java.util.Arrays.toString(rnd.ints(4 + rnd.nextInt(24), 1, 512).toArray()))
          .append(",\"max_tokens\":")
          .append(TOKENS)
          .append(",\"temperature\":0,\"ignore_eos\":true}\n");
    }
    Files.writeString(input, lines);
    Path data = dir.resolve("data");
    Path output = dir.resolve("out.jsonl");
    Path stats = dir.resolve("stats.json");
    String[] run = {
      "run",
      "--model",
      MODEL.toString(),
      "--input",
      input.toString(),
      "--output",
      output.toString(),
      "--data-dir",
      data.toString(),
      "--quiet",
      "--max-batch-requests",
      "6",
      "--max-num-seqs",
      "6",
      "--kv-blocks",
      "256",
      "--stats",
      stats.toString()
    };

    Process first = child(dir.resolve("first.log"), run);
    int committedBeforeKill;
    try {
      committedBeforeKill = awaitCommitted(data, 30, first, Duration.ofMinutes(3));
      // while it runs, the directory is its own: a second run is refused with one line, nothing
      // touched
      CommandLine cl = PagedStream.commandLine();
      StringWriter err = new StringWriter();
      cl.setErr(new PrintWriter(err, true));
      assertThat(cl.execute(run)).isEqualTo(1);
      assertThat(err.toString().strip())
          .startsWith("error: data directory " + data.toAbsolutePath())
          .contains("is in use by another running pagedstream process")
          .doesNotContain("\n");
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no commit
      first.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(committedBeforeKill)
        .as(Files.readString(dir.resolve("first.log")))
        .isBetween(30, REQUESTS - 1);

    // status reads the stopped job out of the directory, starting a broker but no generation
    java.util.regex.Matcher said =
        java.util.regex.Pattern.compile("job (\\S+), data in ")
            .matcher(Files.readString(dir.resolve("first.log")));
    assertThat(said.find()).isTrue();
    Optional<JobStatus> stored =
        StoredJobs.status(data, said.group(1), "pagedstream test", Duration.ofSeconds(60));
    assertThat(stored).isPresent();
    assertThat(stored.get().getCompleted()).isBetween(0L, (long) REQUESTS - 1);

    Process second = child(dir.resolve("second.log"), run);
    assertThat(second.waitFor(4, TimeUnit.MINUTES)).isTrue();
    assertThat(second.exitValue()).as(Files.readString(dir.resolve("second.log"))).isZero();

    JsonNode s = JSON.readTree(stats.toFile());
    int resumed = s.get("resumed_results").asInt();
    // what the first run committed before the kill, at least as much as was seen committed
    assertThat(resumed).isBetween(committedBeforeKill, REQUESTS - 1);
    assertThat(s.get("results").asInt()).isEqualTo(REQUESTS);
    // the second run generated exactly the requests without a result, and their tokens only
    assertThat(s.get("generated_completions").asLong()).isEqualTo(REQUESTS - resumed);
    assertThat(s.get("output_tokens").asLong()).isEqualTo((long) (REQUESTS - resumed) * TOKENS);
    System.out.printf(
        "killed after %d committed results were seen; the second run resumed %d and generated %d requests, "
            + "%d tokens%n",
        committedBeforeKill,
        resumed,
        s.get("generated_completions").asLong(),
        s.get("output_tokens").asLong());

    // every id once, in input order, with the tokens of an uninterrupted run of the engine
    Path reference = dir.resolve("reference.jsonl");
    assertThat(
            PagedStream.commandLine()
                .execute(
                    "generate",
                    "--model",
                    MODEL.toString(),
                    "--input",
                    input.toString(),
                    "--output",
                    reference.toString(),
                    "--kv-blocks",
                    "256"))
        .isZero();
    List<String> got = Files.readAllLines(output);
    List<String> want = Files.readAllLines(reference);
    assertThat(got).hasSize(REQUESTS);
    for (int i = 0; i < REQUESTS; i++) {
      JsonNode g = JSON.readTree(got.get(i));
      JsonNode w = JSON.readTree(want.get(i));
      assertThat(g.get("id").asText()).isEqualTo("q" + i);
      assertThat(g.get("token_ids")).as("q" + i).isEqualTo(w.get("token_ids"));
    }
    assertThat(ResultIds.forInput(input)).hasSize(REQUESTS);

    // and in Kafka: across both processes, one committed completion per request, none twice
    try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(data.resolve("kafka")).start()) {
      List<String> keys =
          committedCompletionKeys(broker.clientProperties(), Duration.ofSeconds(60), REQUESTS);
      assertThat(keys).hasSize(REQUESTS);
      assertThat(new HashSet<>(keys)).hasSize(REQUESTS);
    }
  }

  /**
   * Waits until the running child's broker holds at least {@code atLeast} committed completions.
   */
  private static int awaitCommitted(Path data, int atLeast, Process child, Duration bound)
      throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    Path address = data.resolve("broker.address");
    while (!Files.exists(address) || Files.readString(address).isBlank()) {
      assertThat(child.isAlive()).as("the run ended before its broker started").isTrue();
      assertThat(System.nanoTime()).as("no broker within " + bound).isLessThan(deadline);
      Thread.sleep(100);
    }
    Map<String, Object> props =
        new HashMap<>(Map.of("bootstrap.servers", Files.readString(address).strip()));
    Set<String> seen = new HashSet<>();
    try (KafkaConsumer<String, byte[]> c = consumer(props)) {
      c.subscribe(List.of(Topics.COMPLETIONS));
      while (seen.size() < atLeast) {
        assertThat(child.isAlive()).as("the run ended before it could be killed").isTrue();
        assertThat(System.nanoTime())
            .as("not " + atLeast + " results within " + bound)
            .isLessThan(deadline);
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
          seen.add(r.key());
        }
      }
    }
    return seen.size();
  }

  private static List<String> committedCompletionKeys(
      Map<String, Object> client, Duration bound, int expected) {
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = consumer(new HashMap<>(client))) {
      c.subscribe(List.of(Topics.COMPLETIONS));
      long deadline = System.nanoTime() + bound.toNanos();
      int idle = 0;
      // read until the expected count, then a few more empty polls to catch any duplicate
      while (System.nanoTime() < deadline && (keys.size() < expected || idle < 5)) {
        var records = c.poll(Duration.ofMillis(200));
        idle = records.isEmpty() ? idle + 1 : 0;
        records.forEach(r -> keys.add(r.key()));
      }
    }
    return keys;
  }

  private static KafkaConsumer<String, byte[]> consumer(Map<String, Object> props) {
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "crash-test-" + UUID.randomUUID());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static Process child(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    // a short-lived JVM on a shared 2-core machine: C1 only and one GC thread spare the CPU
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    // surefire hides the real class path behind a manifest-only jar; it publishes it here
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(PagedStream.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}

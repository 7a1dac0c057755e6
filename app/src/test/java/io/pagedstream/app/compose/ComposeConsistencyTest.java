package io.pagedstream.app.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose.yml} cannot run here (no Docker), so it is checked against the code
 * instead: topics, replication, the Kafka version and the services' command lines.
 */
class ComposeConsistencyTest {

  private static final Path ROOT = Path.of("..");
  private static final String COMPOSE = read("docker-compose.yml");
  private static final String CREATE_TOPICS = read("docker/scripts/create-topics.sh");
  private static final String CONNECT = read("docker/config/connect-distributed.properties");

  @Test
  void theComposeFilesAgreeWithTheCode() {
    assertThat(ComposeConsistency.problems(COMPOSE, CREATE_TOPICS, CONNECT)).isEmpty();
  }

  @Test
  void aTopicSettingThatDriftsIsCaught() {
    List<String> problems =
        ComposeConsistency.problems(
            COMPOSE,
            CREATE_TOPICS.replace("max.message.bytes=16777216", "max.message.bytes=8388608"),
            CONNECT);
    assertThat(problems)
        .singleElement()
        .asString()
        .contains("llm.batches", "max.message.bytes=8388608");

    assertThat(
            ComposeConsistency.problems(
                COMPOSE,
                CREATE_TOPICS.replace(
                    "create llm.jobs 1 cleanup.policy=compact", "create llm.jobs 1"),
                CONNECT))
        .singleElement()
        .asString()
        .contains("llm.jobs", "cleanup.policy=compact");
    assertThat(
            ComposeConsistency.problems(
                COMPOSE,
                CREATE_TOPICS.replace(
                    "--config min.insync.replicas=2", "--config min.insync.replicas=1"),
                CONNECT))
        .singleElement()
        .asString()
        .contains("min.insync.replicas");
    assertThat(
            ComposeConsistency.problems(
                COMPOSE,
                CREATE_TOPICS.replace(
                    "create llm.ingest-progress 1", "create llm.ingest-progress 2"),
                CONNECT))
        .singleElement()
        .asString()
        .contains("llm.ingest-progress", "2 partitions");
  }

  @Test
  void brokerSettingsImagesAndCommandsThatDriftAreCaught() {
    assertThat(
            ComposeConsistency.problems(
                COMPOSE.replace("KAFKA_MIN_INSYNC_REPLICAS: 2", "KAFKA_MIN_INSYNC_REPLICAS: 1"),
                CREATE_TOPICS,
                CONNECT))
        .hasSize(3)
        .allSatisfy(p -> assertThat(p).contains("KAFKA_MIN_INSYNC_REPLICAS=1"));
    assertThat(
            ComposeConsistency.problems(
                COMPOSE.replace("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: \"false\"", ""),
                CREATE_TOPICS,
                CONNECT))
        .hasSize(3);
    assertThat(
            ComposeConsistency.problems(
                COMPOSE.replace("${KAFKA_VERSION:-4.3.1}", "${KAFKA_VERSION:-3.9.0}"),
                CREATE_TOPICS,
                CONNECT))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p).contains("apache/kafka:3.9.0"));
    assertThat(
            ComposeConsistency.problems(
                COMPOSE.replace(
                    "- --instance-id\n      - processor-1", "- --instance\n      - processor-1"),
                CREATE_TOPICS,
                CONNECT))
        .singleElement()
        .asString()
        .contains("processor-1", "--instance");
    assertThat(
            ComposeConsistency.problems(
                COMPOSE.replaceFirst("- batcher\n", "- batch\n"), CREATE_TOPICS, CONNECT))
        .singleElement()
        .asString()
        .startsWith("batcher runs");
    assertThat(
            ComposeConsistency.problems(
                COMPOSE,
                CREATE_TOPICS,
                CONNECT.replace(
                    "offset.storage.replication.factor=3", "offset.storage.replication.factor=1")))
        .singleElement()
        .asString()
        .contains("offset.storage.replication.factor=1");
  }

  private static String read(String relative) {
    try {
      return Files.readString(ROOT.resolve(relative));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read " + relative + " from " + ROOT.toAbsolutePath(), e);
    }
  }
}

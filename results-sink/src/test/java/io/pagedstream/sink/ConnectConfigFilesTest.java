package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pagedstream.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.junit.jupiter.api.Test;

/** The configs in connect/ are valid and say the same thing in both of their forms. */
class ConnectConfigFilesTest {

  static final Path CONNECT = Path.of("..", "connect");

  static Map<String, String> properties(String file) throws IOException {
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(CONNECT.resolve(file))) {
      props.load(in);
    }
    Map<String, String> map = new HashMap<>();
    props.forEach((k, v) -> map.put(k.toString(), v.toString()));
    return map;
  }

  /** A {@code POST /connectors} body as one map, name included, like the properties form. */
  private static Map<String, String> restBody(String file) throws IOException {
    JsonNode body = new ObjectMapper().readTree(CONNECT.resolve(file).toFile());
    Map<String, String> config =
        new ObjectMapper()
            .convertValue(body.get("config"), new TypeReference<Map<String, String>>() {});
    config.put("name", body.get("name").asText());
    return config;
  }

  @Test
  void workerConfigsAreAcceptedByConnect() throws IOException {
    StandaloneConfig standalone = new StandaloneConfig(properties("worker-standalone.properties"));
    assertThat(standalone.getString("plugin.discovery")).isEqualTo("service_load");
    DistributedConfig distributed =
        new DistributedConfig(properties("worker-distributed.properties"));
    assertThat(distributed.getString("group.id")).isEqualTo("pagedstream-connect");
  }

  @Test
  void propertiesAndJsonFormsAgree() throws IOException {
    assertThat(restBody("completion-jsonl-sink.json"))
        .isEqualTo(properties("completion-jsonl-sink.properties"));
    assertThat(restBody("postgres-sink.json")).isEqualTo(properties("postgres-sink.properties"));
  }

  /**
   * The shipped connectors (connect/ and docker/connectors/) read and dead-letter the topics of
   * {@link Topics#ALL}.
   */
  @Test
  void connectorsNameTheSpecifiedTopics() throws IOException {
    Path docker = Path.of("..", "docker", "connectors");
    for (Map<String, String> config :
        List.of(
            properties("completion-jsonl-sink.properties"),
            properties("postgres-sink.properties"),
            restBody("completion-jsonl-sink.json"),
            restBody("postgres-sink.json"),
            json(docker.resolve("completions-jsonl.json")),
            json(docker.resolve("completions-postgres.json")))) {
      assertThat(config)
          .containsEntry("topics", Topics.COMPLETIONS)
          .containsEntry("errors.deadletterqueue.topic.name", Topics.COMPLETIONS_DEAD_LETTER);
      assertThat(Topics.spec(config.get("errors.deadletterqueue.topic.name"))).isNotNull();
    }
  }

  private static Map<String, String> json(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), new TypeReference<Map<String, String>>() {});
  }

  @Test
  void theJsonlConnectorConfigIsValid() throws IOException {
    Map<String, String> config = properties("completion-jsonl-sink.properties");
    for (ConfigValue value : new CompletionSinkConnector().validate(config).configValues()) {
      assertThat(value.errorMessages()).as(value.name()).isEmpty();
    }
  }
}

package io.pagedstream.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Completions upserted into a real PostgreSQL by the Debezium JDBC sink, installed from its plugin
 * archive (target/debezium-plugins), in the same worker as the JSONL sink. Needs a server: {@code
 * PAGEDSTREAM_PG_URL} (default {@code jdbc:postgresql://127.0.0.1:5432/postgres}), {@code
 * PAGEDSTREAM_PG_USER} and {@code PAGEDSTREAM_PG_PASSWORD} (both default {@code postgres}). Skipped
 * when none answers, except under CI ({@code CI=true}), where that is a failure.
 */
class PostgresSinkTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final int COUNT = 100;
  private static final Path DEBEZIUM_PLUGINS = Path.of("target", "debezium-plugins");

  /** The documented table, created as users are told to create it. */
  private static final Path TABLE_DDL = Path.of("..", "connect", "postgres-completions.sql");

  /** The table layout connect/README.md documents: column, type, nullable. */
  static final List<List<String>> LAYOUT =
      List.of(
          List.of("id", "text", "NO"),
          List.of("job_id", "text", "NO"),
          List.of("token_ids", "ARRAY", "NO"),
          List.of("text", "text", "YES"),
          List.of("finish_reason", "text", "NO"),
          List.of("error", "text", "YES"),
          List.of("prompt_tokens", "integer", "NO"),
          List.of("output_tokens", "integer", "NO"),
          List.of("queue_ms", "double precision", "NO"),
          List.of("first_token_ms", "double precision", "NO"),
          List.of("generation_ms", "double precision", "NO"),
          List.of("batch_id", "text", "YES"),
          List.of("processor", "text", "YES"),
          List.of("completed_at_ms", "bigint", "NO"),
          List.of("cached", "boolean", "NO"),
          List.of("choices", "jsonb", "YES"),
          List.of("format", "text", "NO"),
          List.of("custom_id", "text", "YES"),
          List.of("model", "text", "YES"));

  private final String url = env("PAGEDSTREAM_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  private final String user = env("PAGEDSTREAM_PG_USER", "postgres");
  private final String password = env("PAGEDSTREAM_PG_PASSWORD", "postgres");
  private final String table = "completions_" + UUID.randomUUID().toString().replace("-", "");
  private final String registryUrl = "mock://postgres-sink-" + UUID.randomUUID();

  @TempDir Path out;
  private Connection db;

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @BeforeEach
  void connect() {
    try {
      DriverManager.setLoginTimeout(5);
      db = DriverManager.getConnection(url, user, password);
    } catch (SQLException e) {
      String message =
          "No PostgreSQL at "
              + url
              + " as "
              + user
              + " ("
              + e.getMessage()
              + "): set PAGEDSTREAM_PG_URL, PAGEDSTREAM_PG_USER, PAGEDSTREAM_PG_PASSWORD, or start"
              + " one as in connect/README.md";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message + ". CI must provide one (.ci/run starts it).", e);
      }
      Assumptions.abort(message);
    }
    assertThat(DEBEZIUM_PLUGINS.resolve("debezium-connector-jdbc"))
        .as("the Debezium JDBC plugin, unpacked by the build (process-test-resources)")
        .isDirectory();
  }

  private void createTable() throws Exception {
    String ddl = Files.readString(TABLE_DDL).replace("llm_completions", table);
    try (Statement s = db.createStatement()) {
      s.execute(ddl);
    }
  }

  /** Fails at once, with the task's trace, instead of waiting out a timeout. */
  private static void assertRunning(EmbeddedConnect connect, String name) {
    var status = connect.status(name);
    status.tasks().stream()
        .filter(t -> "FAILED".equals(t.state()))
        .findFirst()
        .ifPresent(
            t -> {
              throw new AssertionError("Task " + name + "-" + t.id() + " failed: " + t.trace());
            });
  }

  @AfterEach
  void dropTable() throws SQLException {
    if (db != null) {
      try (Statement s = db.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
      }
      db.close();
    }
  }

  private Map<String, String> postgresSink(String name) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
    c.put("tasks.max", "1");
    c.put("topics", Topics.COMPLETIONS);
    c.put("connection.url", url);
    c.put("connection.username", user);
    c.put("connection.password", password);
    c.put("insert.mode", "upsert");
    c.put("delete.enabled", "false");
    c.put("primary.key.mode", "record_value");
    c.put("primary.key.fields", "id");
    c.put("schema.evolution", "basic");
    c.put("collection.name.format", table);
    c.put("consumer.override.isolation.level", "read_committed");
    return c;
  }

  private Map<String, String> jsonlSink(String name) {
    return Map.of(
        "name",
        name,
        "connector.class",
        CompletionSinkConnector.class.getName(),
        "topics",
        Topics.COMPLETIONS,
        "output.dir",
        out.toString(),
        "consumer.override.isolation.level",
        "read_committed");
  }

  @Test
  void everyCompletionIsOneRowAndReDeliveriesUpdateInPlace() throws Exception {
    String pg = "pg-" + UUID.randomUUID();
    createTable();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
      kafka.createTopics(List.of(new NewTopic(Topics.COMPLETIONS, 3, (short) 1)));
      Serializer<Completion> avro =
          AvroSerdes.serde(Completion.class, Map.of(SchemaRegistryConfig.URL, registryUrl))
              .serializer();
      try (CompletionProducer producer =
              new CompletionProducer(
                  kafka.clientProperties(), c -> avro.serialize(Topics.COMPLETIONS, c));
          EmbeddedConnect connect =
              EmbeddedConnect.builder(kafka.bootstrapServers())
                  .workerProperty("value.converter.schema.registry.url", registryUrl)
                  .workerProperty("offset.flush.interval.ms", "500")
                  .pluginPath(DEBEZIUM_PLUGINS)
                  .connector(postgresSink(pg))
                  .connector(jsonlSink("jsonl"))
                  .start()) {
        connect.awaitRunning(pg, TIMEOUT);
        connect.awaitRunning("jsonl", TIMEOUT);

        producer.produce(0, COUNT, 10);
        producer.produceAborted(10);
        Await.until(
            COUNT + " rows",
            TIMEOUT,
            () -> {
              assertRunning(connect, pg);
              return rows() == COUNT;
            },
            () -> rows() + " rows");
        assertRowsHold(TestCompletions::completion);
        assertThat(layout()).isEqualTo(LAYOUT);
        assertThat(primaryKey()).isEqualTo(List.of("id"));
        // the JSONL sink in the same worker saw the same stream
        OutputFiles files = new OutputFiles(out);
        Await.until("the JSONL files", TIMEOUT, () -> files.distinctIdsWhileWriting() == COUNT);

        // The same requests again with new content: updated in place.
        producer.produceVersion2(0, COUNT);
        Await.until(
            "version 2 in every row",
            TIMEOUT,
            () -> {
              assertRunning(connect, pg);
              return countWhere("processor = 'v2'") == COUNT;
            },
            () -> countWhere("processor = 'v2'") + " rows updated");
        assertThat(rows()).isEqualTo(COUNT);
        assertRowsHold(TestCompletions::version2);

        // Kafka re-delivering everything (the connector's group rewound): still one row each.
        connect.stop();
        rewind(kafka, "connect-" + pg);
        connect.start();
        connect.awaitRunning(pg, TIMEOUT);
        producer.produce(COUNT, COUNT + 1, 1); // a marker behind the replay
        Await.until(
            "the replay to reach the marker",
            TIMEOUT,
            () -> {
              assertRunning(connect, pg);
              return rows() == COUNT + 1;
            });
        assertThat(rows()).isEqualTo(COUNT + 1);
        assertThat(countWhere("processor = 'v2'")).isEqualTo(COUNT);
      }
    }
  }

  private void assertRowsHold(java.util.function.IntFunction<Completion> expected)
      throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT id, job_id, token_ids, text, finish_reason, error, prompt_tokens, output_tokens,"
                    + " cached, processor, choices->1->>'text' AS second_text, format, custom_id, model FROM "
                    + table
                    + " ORDER BY id")) {
      int n = 0;
      while (rs.next()) {
        Completion c = expected.apply(n);
        assertThat(rs.getString("id")).isEqualTo(c.getId());
        assertThat(rs.getString("job_id")).isEqualTo(c.getJobId());
        assertThat(List.of((Integer[]) rs.getArray("token_ids").getArray()))
            .as("token_ids of %s", c.getId())
            .isEqualTo(c.getTokenIds());
        assertThat(rs.getString("text")).isEqualTo(c.getText());
        assertThat(rs.getString("finish_reason")).isEqualTo(c.getFinishReason());
        assertThat(rs.getString("error")).isEqualTo(c.getError());
        assertThat(rs.getInt("prompt_tokens")).isEqualTo(c.getPromptTokens());
        assertThat(rs.getInt("output_tokens")).isEqualTo(c.getOutputTokens());
        assertThat(rs.getBoolean("cached")).isEqualTo(c.getCached());
        assertThat(rs.getString("processor")).isEqualTo(c.getProcessor());
        // choices is jsonb: queried as JSON, not as text
        assertThat(rs.getString("second_text")).isEqualTo(c.getChoices() == null ? null : "b");
        assertThat(rs.getString("format")).isEqualTo(c.getFormat());
        assertThat(rs.getString("custom_id")).isEqualTo(c.getCustomId());
        assertThat(rs.getString("model")).isEqualTo(c.getModel());
        n++;
      }
      assertThat(n).isEqualTo(COUNT);
    }
  }

  private long rows() {
    return countWhere("TRUE");
  }

  private long countWhere(String condition) {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE " + condition)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1; // the sink has not created the table yet
    }
  }

  private List<List<String>> layout() throws SQLException {
    try (var q =
        db.prepareStatement(
            "SELECT column_name, data_type, is_nullable"
                + " FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position")) {
      q.setString(1, table);
      try (ResultSet rs = q.executeQuery()) {
        List<List<String>> columns = new java.util.ArrayList<>();
        while (rs.next()) {
          columns.add(List.of(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
        return columns;
      }
    }
  }

  private List<String> primaryKey() throws SQLException {
    try (var q =
        db.prepareStatement(
            "SELECT k.column_name FROM information_schema.table_constraints c"
                + " JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name"
                + " WHERE c.table_name = ? AND c.constraint_type = 'PRIMARY KEY'")) {
      q.setString(1, table);
      try (ResultSet rs = q.executeQuery()) {
        List<String> key = new java.util.ArrayList<>();
        while (rs.next()) {
          key.add(rs.getString(1));
        }
        return key;
      }
    }
  }

  private static void rewind(EmbeddedKafka kafka, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
    for (int p = 0; p < 3; p++) {
      zero.put(new TopicPartition(Topics.COMPLETIONS, p), new OffsetAndMetadata(0));
    }
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Await.until(
          "the group " + group + " to be empty and rewound",
          TIMEOUT,
          () -> {
            try {
              admin.alterConsumerGroupOffsets(group, zero).all().get();
              return true;
            } catch (Exception e) {
              return false;
            }
          });
    }
  }
}

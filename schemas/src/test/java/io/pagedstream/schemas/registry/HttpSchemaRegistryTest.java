package io.pagedstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP client against a local server speaking the Confluent Schema Registry API. */
class HttpSchemaRegistryTest {

  private static final String SUBJECT = "llm.completions-value";
  private FakeRegistryServer server;

  @BeforeEach
  void start() throws IOException {
    server = FakeRegistryServer.http();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpSchemaRegistry client(String... urls) {
    return new HttpSchemaRegistry(SchemaRegistryConfig.of(urls));
  }

  @Test
  void registersFetchesLooksUpAndReadsTheLatestVersion() {
    HttpSchemaRegistry registry = client(server.url());

    int id = registry.register(SUBJECT, Completion.SCHEMA$);

    assertThat(id).isEqualTo(1);
    assertThat(server.backing.schemaById(1)).isEqualTo(Completion.SCHEMA$);
    assertThat(client(server.url()).schemaById(id)).isEqualTo(Completion.SCHEMA$);
    assertThat(client(server.url()).lookup(SUBJECT, Completion.SCHEMA$)).isEqualTo(id);
    assertThat(client(server.url()).latest(SUBJECT))
        .isEqualTo(new RegisteredSchema(SUBJECT, 1, id, Completion.SCHEMA$));
  }

  @Test
  void cachesBothDirections() {
    HttpSchemaRegistry registry = client(server.url());

    int id = registry.register(SUBJECT, Completion.SCHEMA$);
    registry.register(SUBJECT, Completion.SCHEMA$);
    registry.schemaById(id); // known from the registration: no request

    assertThat(server.requests("POST /subjects/llm.completions-value/versions")).isEqualTo(1);
    assertThat(server.totalRequests()).isEqualTo(1);

    HttpSchemaRegistry reader = client(server.url());
    reader.schemaById(id);
    reader.schemaById(id);
    reader.lookup(SUBJECT, Completion.SCHEMA$);
    reader.lookup(SUBJECT, Completion.SCHEMA$);
    assertThat(server.requests("GET /schemas/ids/1")).isEqualTo(1);
    assertThat(server.requests("POST /subjects/llm.completions-value")).isEqualTo(1);
  }

  @Test
  void serdesWorkThroughIt() {
    Map<String, Object> config = Map.of(SchemaRegistryConfig.URL, server.url());
    Serde<Completion> producerSide = AvroSerdes.serde(Completion.class, config);
    Serde<Completion> consumerSide = AvroSerdes.serde(Completion.class, config);

    for (int i = 0; i < 3; i++) {
      byte[] bytes = producerSide.serializer().serialize("llm.completions", Samples.completion());
      assertThat(consumerSide.deserializer().deserialize("llm.completions", bytes))
          .isEqualTo(Samples.completion());
    }
    assertThat(server.totalRequests()).isEqualTo(2); // one registration, one fetch by id
  }

  @Test
  void withoutAutoRegistrationTheSerializerLooksTheIdUp() {
    Map<String, Object> config = new HashMap<>();
    config.put(SchemaRegistryConfig.URL, server.url());
    config.put(SchemaRegistryConfig.AUTO_REGISTER, false);
    Serde<Completion> serde = AvroSerdes.serde(Completion.class, config);

    assertThatThrownBy(() -> serde.serializer().serialize("llm.completions", Samples.completion()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("error 40401")
        .hasMessageContaining("POST /subjects/llm.completions-value ");

    server.backing.register(SUBJECT, Completion.SCHEMA$);
    byte[] bytes = serde.serializer().serialize("llm.completions", Samples.completion());
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(1);
    assertThat(server.requests("POST /subjects/llm.completions-value/versions")).isZero();
  }

  @Test
  void anUnknownIdIs40403AndTheDeserializerSaysUnknownSchemaId() {
    assertThatThrownBy(() -> client(server.url()).schemaById(77))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
            })
        .hasMessage(
            "Schema registry "
                + server.url()
                + " answered GET /schemas/ids/77 with HTTP"
                + " 404, error 40403: Schema 77 not found");

    byte[] unknown = {0, 0, 0, 0, 77, 2, 'a'};
    Serde<Completion> serde =
        AvroSerdes.serde(Completion.class, Map.of(SchemaRegistryConfig.URL, server.url()));
    assertThatThrownBy(() -> serde.deserializer().deserialize("llm.completions", unknown))
        .isInstanceOf(SerializationException.class)
        .hasMessageStartingWith("Unknown schema id 77 in llm.completions value");
  }

  @Test
  void anUnknownSubjectIs40401() {
    assertThatThrownBy(() -> client(server.url()).latest("nope-value"))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
  }

  @Test
  void anIncompatibleSchemaIs409() {
    HttpSchemaRegistry registry = client(server.url());
    registry.register(SUBJECT, Completion.SCHEMA$);
    Schema incompatible =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Completion\",\"namespace\":\"io.pagedstream.schemas.avro\","
                    + "\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");

    assertThatThrownBy(() -> registry.register(SUBJECT, incompatible))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
              assertThat(e.isRetriable()).isFalse();
            })
        .hasMessageContaining("incompatible");
  }

  @Test
  void basicAuthFromUserInfoOrTheUrlAndNeverInMessages() {
    server.requireBasicAuth("svc", "s3cret-pw");

    assertThatThrownBy(() -> client(server.url()).register(SUBJECT, Completion.SCHEMA$))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessageContaining("check basic.auth.user.info");

    HttpSchemaRegistry wrong =
        new HttpSchemaRegistry(
            SchemaRegistryConfig.from(
                Map.of(
                    SchemaRegistryConfig.URL,
                    server.url(),
                    SchemaRegistryConfig.USER_INFO,
                    "svc:wrong-pw")));
    assertThatThrownBy(() -> wrong.register(SUBJECT, Completion.SCHEMA$))
        .isInstanceOf(SchemaRegistryException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-pw"));

    HttpSchemaRegistry right =
        new HttpSchemaRegistry(
            SchemaRegistryConfig.from(
                Map.of(
                    SchemaRegistryConfig.URL, server.url(),
                    SchemaRegistryConfig.CREDENTIALS_SOURCE, "USER_INFO",
                    SchemaRegistryConfig.USER_INFO, "svc:s3cret-pw")));
    assertThat(right.register(SUBJECT, Completion.SCHEMA$)).isEqualTo(1);
    assertThat(right.toString()).doesNotContain("s3cret");

    String inUrl = server.url().replace("://", "://svc:s3cret-pw@");
    HttpSchemaRegistry fromUrl = client(inUrl);
    assertThat(fromUrl.register("other-value", GenerationRequest.SCHEMA$)).isEqualTo(2);
    assertThat(fromUrl.toString()).isEqualTo("HttpSchemaRegistry[" + server.url() + "]");
    assertThatThrownBy(() -> fromUrl.schemaById(99))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }

  @Test
  void triesTheNextUrlWhenOneIsDownWithoutLoggingCredentials() throws IOException {
    server.backing.register(SUBJECT, Completion.SCHEMA$);
    String dead = "http://svc:s3cret-pw@127.0.0.1:" + unusedPort();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      assertThat(client(dead, server.url()).schemaById(1)).isEqualTo(Completion.SCHEMA$);
    } finally {
      System.setErr(stderr);
    }
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("unreachable")
        .doesNotContain("s3cret");
  }

  @Test
  void triesTheNextUrlOn5xxAndReportsANonJsonBodyOnOneLine() throws IOException {
    server.backing.register(SUBJECT, Completion.SCHEMA$);
    try (FakeRegistryServer failing = FakeRegistryServer.http()) {
      failing.failWith(503);

      assertThat(client(failing.url(), server.url()).schemaById(1)).isEqualTo(Completion.SCHEMA$);
      assertThatThrownBy(() -> client(failing.url()).schemaById(1))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class, e -> assertThat(e.isRetriable()).isTrue())
          .hasMessageEndingWith(
              "with HTTP 503, error 503: <html><body>upstream unavailable" + "</body></html>");
    }
  }

  @Test
  void anUnreachableRegistryIsRetriableNotABadRecord() throws IOException {
    String dead = "http://127.0.0.1:" + unusedPort();
    Serde<Completion> serde =
        AvroSerdes.serde(Completion.class, Map.of(SchemaRegistryConfig.URL, dead));

    assertThatThrownBy(
            () ->
                serde
                    .deserializer()
                    .deserialize("llm.completions", new byte[] {0, 0, 0, 0, 1, 2, 'a'}))
        .isInstanceOf(SerializationException.class)
        .hasMessageStartingWith("Cannot fetch schema id 1 in llm.completions value")
        .cause()
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(SchemaRegistryException.UNREACHABLE);
              assertThat(e.isRetriable()).isTrue();
            });
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

package io.pagedstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with a self-signed certificate trusted through schema.registry.ssl.truststore.*. */
class HttpsSchemaRegistryTest {

  private static final String STORE_PASSWORD = "server-pass";
  private static final String TRUST_PASSWORD = "trust-pass";

  @TempDir static Path dir;
  private static SSLContext serverContext;
  private static FakeRegistryServer server;

  @BeforeAll
  static void start() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Path cert = dir.resolve("server.crt");
    keytool(
        "-genkeypair",
        "-alias",
        "registry",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD);
    keytool(
        "-exportcert",
        "-alias",
        "registry",
        "-keystore",
        keystore.toString(),
        "-storepass",
        STORE_PASSWORD,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "registry",
        "-file",
        cert.toString(),
        "-keystore",
        dir.resolve("trust.p12").toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        TRUST_PASSWORD);

    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, STORE_PASSWORD.toCharArray());
    }
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, STORE_PASSWORD.toCharArray());
    serverContext = SSLContext.getInstance("TLS");
    serverContext.init(keyManagers.getKeyManagers(), null, null);
    server = FakeRegistryServer.https(serverContext);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }

  private static Map<String, Object> config(String truststorePassword) {
    return Map.of(
        SchemaRegistryConfig.URL,
        server.url(),
        SchemaRegistryConfig.TRUSTSTORE_LOCATION,
        dir.resolve("trust.p12").toString(),
        SchemaRegistryConfig.TRUSTSTORE_TYPE,
        "PKCS12",
        SchemaRegistryConfig.TRUSTSTORE_PASSWORD,
        truststorePassword);
  }

  @Test
  void trustsTheConfiguredTrustStore() {
    SchemaRegistry registry = SchemaRegistries.fromConfig(config(TRUST_PASSWORD));

    int id = registry.register("llm.completions-value", Completion.SCHEMA$);

    assertThat(registry.schemaById(id)).isEqualTo(Completion.SCHEMA$);
    assertThat(server.url()).startsWith("https://");
  }

  /**
   * What every service does: its {@code --kafka-config} file, read by {@link KafkaSettings}, holds
   * the registry's URL, trust store and basic-auth credentials, and the serdes take them from
   * there.
   */
  @Test
  void serdesUseHttpsAndBasicAuthFromAKafkaConfigFile() throws Exception {
    try (FakeRegistryServer secured = FakeRegistryServer.https(serverContext)) {
      secured.requireBasicAuth("svc", "https-Pw-7");
      Path file = dir.resolve("client.properties");
      Files.writeString(
          file,
          "security.protocol=SASL_SSL\n"
              + SchemaRegistryConfig.URL
              + "="
              + secured.url()
              + "\n"
              + SchemaRegistryConfig.TRUSTSTORE_LOCATION
              + "="
              + dir.resolve("trust.p12")
              + "\n"
              + SchemaRegistryConfig.TRUSTSTORE_TYPE
              + "=PKCS12\n"
              + SchemaRegistryConfig.TRUSTSTORE_PASSWORD
              + "="
              + TRUST_PASSWORD
              + "\n"
              + SchemaRegistryConfig.CREDENTIALS_SOURCE
              + "=USER_INFO\n"
              + SchemaRegistryConfig.USER_INFO
              + "=svc:https-Pw-7\n");
      KafkaSettings settings = KafkaSettings.of("127.0.0.1:9092", file);
      Serde<Completion> writer = AvroSerdes.serde(Completion.class, settings.asMap());
      Serde<Completion> reader = AvroSerdes.serde(Completion.class, settings.asMap());

      byte[] bytes = writer.serializer().serialize("llm.completions", Samples.completion());

      assertThat(reader.deserializer().deserialize("llm.completions", bytes))
          .isEqualTo(Samples.completion());
      assertThat(secured.requests("POST /subjects/llm.completions-value/versions")).isEqualTo(1);
      assertThat(secured.requests("GET /schemas/ids/1")).isEqualTo(1);
      assertThat(settings.redacted().toString()).doesNotContain("https-Pw-7", TRUST_PASSWORD);
    }
  }

  @Test
  void theJdkDefaultTrustStoreRejectsTheSelfSignedCertificate() {
    SchemaRegistry registry =
        SchemaRegistries.fromConfig(Map.of(SchemaRegistryConfig.URL, server.url()));

    assertThatThrownBy(() -> registry.schemaById(1))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.status()).isEqualTo(SchemaRegistryException.UNREACHABLE))
        .hasMessageContaining("unreachable");
  }

  @Test
  void aWrongTrustStorePasswordIsAConfigErrorWithoutThePassword() {
    assertThatThrownBy(() -> SchemaRegistries.fromConfig(config("not-the-pass")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(SchemaRegistryConfig.TRUSTSTORE_LOCATION)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-pass"));
  }
}

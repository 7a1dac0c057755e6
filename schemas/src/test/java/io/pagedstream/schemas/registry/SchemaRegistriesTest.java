package io.pagedstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class SchemaRegistriesTest {

  @Test
  void mockScopesAreSharedByNameAndDroppable() {
    String scope = Samples.newScope();
    SchemaRegistry first = SchemaRegistries.fromConfig(Samples.mockConfig(scope));
    SchemaRegistry second = SchemaRegistries.fromConfig(Samples.mockConfig(scope));
    SchemaRegistry other = SchemaRegistries.fromConfig(Samples.mockConfig(Samples.newScope()));

    assertThat(first)
        .isInstanceOf(InMemorySchemaRegistry.class)
        .isSameAs(second)
        .isNotSameAs(other);
    SchemaRegistries.dropScope(scope);
    assertThat(SchemaRegistries.fromConfig(Samples.mockConfig(scope))).isNotSameAs(first);
  }

  @Test
  void noUrlMeansTheSharedDefaultScope() {
    assertThat(SchemaRegistries.fromConfig(Map.of()))
        .isSameAs(SchemaRegistries.fromConfig(Map.of("bootstrap.servers", "localhost:9092")))
        .isSameAs(SchemaRegistries.mockScope(SchemaRegistries.DEFAULT_SCOPE))
        .isSameAs(SchemaRegistries.fromConfig(Map.of(SchemaRegistryConfig.URL, "mock://")));
  }

  @Test
  void httpUrlsMakeAnHttpClient() {
    SchemaRegistry registry =
        SchemaRegistries.fromConfig(
            Map.of(SchemaRegistryConfig.URL, List.of("http://a:8081", "https://b:8081/")));

    assertThat(registry)
        .isInstanceOf(HttpSchemaRegistry.class)
        .hasToString("HttpSchemaRegistry[http://a:8081, https://b:8081]");
  }

  @Test
  void badSettingsAreConfigExceptions() {
    assertThatThrownBy(
            () ->
                SchemaRegistries.fromConfig(
                    Map.of(SchemaRegistryConfig.URL, "mock://a,http://b:8081")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("single mock://");
    assertThatThrownBy(
            () -> SchemaRegistries.fromConfig(Map.of(SchemaRegistryConfig.URL, "ftp://b:8081")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http(s)://");
    assertThatThrownBy(
            () ->
                SchemaRegistryConfig.from(
                    Map.of(SchemaRegistryConfig.CREDENTIALS_SOURCE, "USER_INFO")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("user:password");
    assertThatThrownBy(
            () ->
                SchemaRegistryConfig.from(
                    Map.of(
                        SchemaRegistryConfig.USER_INFO, "no-colon-secret",
                        SchemaRegistryConfig.CREDENTIALS_SOURCE, "USER_INFO")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("no-colon-secret"));
    assertThatThrownBy(
            () ->
                SchemaRegistryConfig.from(
                    Map.of(SchemaRegistryConfig.CREDENTIALS_SOURCE, "SASL_INHERIT")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not supported");
  }

  @Test
  void configReadsConfluentNamesAndHidesCredentials() {
    SchemaRegistryConfig config =
        SchemaRegistryConfig.from(
            Map.of(
                SchemaRegistryConfig.URL,
                    "https://sr-user:url-secret@registry:8081, https://backup:8081",
                SchemaRegistryConfig.AUTO_REGISTER, "false",
                SchemaRegistryConfig.PREFIXED_USER_INFO, new Password("svc:pw-secret"),
                SchemaRegistryConfig.TRUSTSTORE_PASSWORD, "ts-secret",
                SchemaRegistryConfig.READ_TIMEOUT_MS, "1500"));

    assertThat(config.urls())
        .containsExactly("https://sr-user:url-secret@registry:8081", "https://backup:8081");
    assertThat(config.autoRegister()).isFalse();
    assertThat(config.userInfo()).isEqualTo("svc:pw-secret");
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.toString())
        .contains("https://registry:8081", "userInfo=[hidden]")
        .doesNotContain("url-secret", "pw-secret", "ts-secret", "sr-user");
  }

  @Test
  void inMemoryIdsAreGlobalInOrderAndRegistrationIsIdempotent() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    int completion = registry.register("llm.completions-value", Completion.SCHEMA$);
    int request = registry.register("llm.requests-value", GenerationRequest.SCHEMA$);
    int again = registry.register("llm.completions-value", Completion.SCHEMA$);
    int otherSubject = registry.register("copy-value", Completion.SCHEMA$);

    assertThat(List.of(completion, request, again, otherSubject)).containsExactly(1, 2, 1, 1);
    assertThat(registry.latest("llm.completions-value"))
        .isEqualTo(new RegisteredSchema("llm.completions-value", 1, 1, Completion.SCHEMA$));
    assertThat(registry.lookup("copy-value", Completion.SCHEMA$)).isEqualTo(1);
    assertThat(registry.schemaById(2)).isEqualTo(GenerationRequest.SCHEMA$);
  }

  @Test
  void inMemoryNotFoundErrorsCarryConfluentCodes() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    registry.register("llm.requests-value", GenerationRequest.SCHEMA$);

    assertThatThrownBy(() -> registry.schemaById(99))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    assertThatThrownBy(() -> registry.lookup("nope-value", Completion.SCHEMA$))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
    assertThatThrownBy(() -> registry.lookup("llm.requests-value", Completion.SCHEMA$))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    assertThatThrownBy(() -> registry.latest("nope-value"))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.isNotFound()).isTrue());
  }
}

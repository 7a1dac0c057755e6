package io.pagedstream.schemas.registry;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Schema registry settings, read from a Kafka client / Connect converter config under Confluent's
 * names so that existing configs keep working. Unknown keys are ignored, since the same map also
 * holds the producer's or consumer's own settings.
 *
 * @param urls {@code schema.registry.url}: tried in order; empty or {@code mock://scope} means an
 *     in-memory registry (see {@link SchemaRegistries#fromConfig})
 * @param autoRegister {@code auto.register.schemas}: serializers register their schema (true) or
 *     only look its id up (false, for registries where schemas are registered by CI)
 * @param userInfo {@code basic.auth.user.info} as {@code user:password}, or null; never printed
 * @param truststoreLocation {@code schema.registry.ssl.truststore.location}, or null for the JDK's
 *     default trust store
 * @param truststorePassword {@code schema.registry.ssl.truststore.password}, or null; never printed
 * @param truststoreType {@code schema.registry.ssl.truststore.type}
 * @param connectTimeout {@code http.connect.timeout.ms}
 * @param requestTimeout {@code http.read.timeout.ms}: how long to wait for each response
 */
public record SchemaRegistryConfig(
    List<String> urls,
    boolean autoRegister,
    String userInfo,
    String truststoreLocation,
    String truststorePassword,
    String truststoreType,
    Duration connectTimeout,
    Duration requestTimeout) {

  public static final String URL = "schema.registry.url";
  public static final String AUTO_REGISTER = "auto.register.schemas";
  public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String USER_INFO = "basic.auth.user.info";

  /** The older, prefixed spelling Confluent's serdes also accept; {@link #USER_INFO} wins. */
  public static final String PREFIXED_USER_INFO = "schema.registry.basic.auth.user.info";

  public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
  public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
  public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
  public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
  public static final String READ_TIMEOUT_MS = "http.read.timeout.ms";

  /** The settings as a Kafka {@link ConfigDef}; also what {@code AvroConverter.config()} shows. */
  public static final ConfigDef CONFIG_DEF =
      new ConfigDef()
          .define(
              URL,
              Type.LIST,
              List.of(),
              Importance.HIGH,
              "Comma-separated schema registry URLs, tried in order. mock://SCOPE or none: an"
                  + " in-memory registry shared by everything in this JVM using the same scope.")
          .define(
              AUTO_REGISTER,
              Type.BOOLEAN,
              true,
              Importance.MEDIUM,
              "Register the writer's schema under <topic>-value; false only looks its id up.")
          .define(
              CREDENTIALS_SOURCE,
              Type.STRING,
              null,
              Importance.MEDIUM,
              "USER_INFO (basic.auth.user.info) or URL (user:password@ in the URL). Defaults to"
                  + " USER_INFO when basic.auth.user.info is set, URL otherwise.")
          .define(
              USER_INFO,
              Type.PASSWORD,
              null,
              Importance.MEDIUM,
              "user:password for HTTP basic authentication.")
          .define(
              PREFIXED_USER_INFO,
              Type.PASSWORD,
              null,
              Importance.LOW,
              "Alias of basic.auth.user.info.")
          .define(
              TRUSTSTORE_LOCATION,
              Type.STRING,
              null,
              Importance.MEDIUM,
              "Trust store for https:// registries; the JDK's default trust store when unset.")
          .define(
              TRUSTSTORE_PASSWORD,
              Type.PASSWORD,
              null,
              Importance.MEDIUM,
              "Password of the trust store.")
          .define(
              TRUSTSTORE_TYPE,
              Type.STRING,
              "JKS",
              Importance.LOW,
              "Trust store type: JKS or PKCS12.")
          .define(
              CONNECT_TIMEOUT_MS,
              Type.INT,
              10_000,
              ConfigDef.Range.atLeast(1),
              Importance.LOW,
              "Connect timeout for registry calls.")
          .define(
              READ_TIMEOUT_MS,
              Type.INT,
              30_000,
              ConfigDef.Range.atLeast(1),
              Importance.LOW,
              "How long to wait for each registry response.");

  public SchemaRegistryConfig {
    urls = List.copyOf(urls);
  }

  /** Settings for these URLs with everything else at its default. */
  public static SchemaRegistryConfig of(String... urls) {
    return from(Map.of(URL, String.join(",", urls)));
  }

  /** Reads the settings from a client config; throws {@link ConfigException} for bad values. */
  public static SchemaRegistryConfig from(Map<String, ?> config) {
    Map<String, Object> parsed = CONFIG_DEF.parse(config);
    @SuppressWarnings("unchecked")
    List<String> urls =
        ((List<String>) parsed.get(URL))
            .stream().map(String::trim).filter(u -> !u.isEmpty()).toList();
    String userInfo = password(parsed.get(USER_INFO));
    if (userInfo == null) {
      userInfo = password(parsed.get(PREFIXED_USER_INFO));
    }
    String source = (String) parsed.get(CREDENTIALS_SOURCE);
    if (source == null) {
      source = userInfo != null ? "USER_INFO" : "URL";
    }
    source = source.toUpperCase(Locale.ROOT);
    switch (source) {
      case "USER_INFO" -> {
        // the message names the setting, never its value: it may be all there is of a password
        if (userInfo == null || userInfo.indexOf(':') < 0) {
          throw new ConfigException(
              USER_INFO
                  + " must be set as user:password when "
                  + CREDENTIALS_SOURCE
                  + " is USER_INFO");
        }
      }
      case "URL" -> userInfo = null; // HttpSchemaRegistry takes user:password@ from each URL
      default ->
          throw new ConfigException(
              CREDENTIALS_SOURCE
                  + " must be USER_INFO or URL, got "
                  + source
                  + " (SASL_INHERIT is not supported)");
    }
    return new SchemaRegistryConfig(
        urls,
        (Boolean) parsed.get(AUTO_REGISTER),
        userInfo,
        (String) parsed.get(TRUSTSTORE_LOCATION),
        password(parsed.get(TRUSTSTORE_PASSWORD)),
        (String) parsed.get(TRUSTSTORE_TYPE),
        Duration.ofMillis((Integer) parsed.get(CONNECT_TIMEOUT_MS)),
        Duration.ofMillis((Integer) parsed.get(READ_TIMEOUT_MS)));
  }

  private static String password(Object value) {
    return value == null ? null : ((Password) value).value();
  }

  /** Redacts the credentials, and any {@code user:password@} in the URLs. */
  @Override
  public String toString() {
    return "SchemaRegistryConfig[urls="
        + urls.stream().map(SchemaRegistryConfig::redact).toList()
        + ", autoRegister="
        + autoRegister
        + ", userInfo="
        + (userInfo == null ? "none" : "[hidden]")
        + ", truststore="
        + (truststoreLocation == null ? "JDK default" : truststoreLocation)
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + "]";
  }

  /** The URL without any {@code user:password@} part, safe to log. */
  static String redact(String url) {
    int scheme = url.indexOf("://");
    int at = url.indexOf('@');
    int slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    if (scheme < 0 || at < 0 || (slash >= 0 && at > slash)) {
      return url;
    }
    return url.substring(0, scheme + 3) + url.substring(at + 1);
  }
}

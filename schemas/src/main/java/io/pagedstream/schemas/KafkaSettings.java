package io.pagedstream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Client settings shared by every service: the bootstrap servers plus whatever the user's {@code
 * --kafka-config} file adds (SASL, TLS, schema registry URL and credentials, timeouts). Values from
 * the file win over defaults; the bootstrap flag wins over the file.
 */
public final class KafkaSettings {

  private final Map<String, Object> base;

  private KafkaSettings(Map<String, Object> base) {
    this.base = Map.copyOf(base);
  }

  /** {@code bootstrap} may be null when the file names {@code bootstrap.servers}. */
  public static KafkaSettings of(String bootstrap, Path configFile) {
    Map<String, Object> m = new HashMap<>();
    if (configFile != null) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(configFile)) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read Kafka config " + configFile + ": " + e.getMessage(), e);
      }
      p.forEach((k, v) -> m.put(k.toString(), v.toString()));
    }
    if (bootstrap != null && !bootstrap.isBlank()) {
      m.put("bootstrap.servers", bootstrap);
    }
    if (!m.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          "no Kafka bootstrap servers: give --bootstrap-servers or bootstrap.servers in --kafka-config");
    }
    return new KafkaSettings(m);
  }

  public static KafkaSettings of(Map<String, ?> settings) {
    return new KafkaSettings(new HashMap<>(settings));
  }

  /** A fresh mutable copy with {@code overrides} applied on top. */
  public Map<String, Object> with(Map<String, ?> overrides) {
    Map<String, Object> m = new HashMap<>(base);
    m.putAll(overrides);
    return m;
  }

  public Map<String, Object> asMap() {
    return base;
  }

  public String bootstrapServers() {
    return String.valueOf(base.get("bootstrap.servers"));
  }

  /** Settings without secrets, for logs: passwords, JAAS configs and user info are masked. */
  public Map<String, Object> redacted() {
    Map<String, Object> m = new HashMap<>();
    base.forEach((k, v) -> m.put(k, isSecret(k) ? "[hidden]" : v));
    return m;
  }

  static boolean isSecret(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("password")
        || k.contains("jaas")
        || k.contains("user.info")
        || k.contains("secret")
        || k.contains("token")
        || k.endsWith(".key");
  }
}

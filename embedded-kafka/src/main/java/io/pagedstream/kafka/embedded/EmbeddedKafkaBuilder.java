package io.pagedstream.kafka.embedded;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Collects the settings of an {@link EmbeddedKafka}; obtain one from {@link
 * EmbeddedKafka#builder()}.
 */
public final class EmbeddedKafkaBuilder {

  private Path dataDir;
  private int port;
  private final Map<String, String> extraProperties = new LinkedHashMap<>();
  private int defaultPartitions = 1;
  private SaslSecurity security;
  private TlsSecurity tls;

  EmbeddedKafkaBuilder() {}

  /**
   * Keep the broker's data in this directory (created if missing, never deleted); default: a
   * temporary directory deleted on close.
   */
  public EmbeddedKafkaBuilder dataDir(Path dir) {
    this.dataDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  /**
   * Client port on 127.0.0.1; 0 (the default) picks a free one at the first start and keeps it for
   * restarts.
   */
  public EmbeddedKafkaBuilder port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("Port must be between 0 and 65535, got " + port);
    }
    this.port = port;
    return this;
  }

  /** A broker property applied over the embedded defaults, e.g. {@code log.retention.ms}. */
  public EmbeddedKafkaBuilder brokerProperty(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (BrokerConfig.MANAGED_KEYS.contains(key)) {
      throw new IllegalArgumentException(
          "Broker property '"
              + key
              + "' is managed by EmbeddedKafka; use dataDir(), port() or security() instead");
    }
    extraProperties.put(key, value);
    return this;
  }

  /**
   * Partitions of topics created without an explicit count (broker setting {@code num.partitions});
   * default 1.
   */
  public EmbeddedKafkaBuilder defaultPartitions(int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "Default partitions must be at least 1, got " + partitions);
    }
    this.defaultPartitions = partitions;
    return this;
  }

  /** Require SASL authentication and enforce ACLs; default: an open PLAINTEXT broker. */
  public EmbeddedKafkaBuilder security(SaslSecurity security) {
    this.security = Objects.requireNonNull(security, "security");
    return this;
  }

  /**
   * Serve SSL only, require client certificates and enforce ACLs; default: an open PLAINTEXT
   * broker.
   */
  public EmbeddedKafkaBuilder tls(TlsSecurity tls) {
    this.tls = Objects.requireNonNull(tls, "tls");
    return this;
  }

  public EmbeddedKafka build() {
    return new EmbeddedKafka(
        new BrokerSettings(
            Optional.ofNullable(dataDir),
            port,
            extraProperties,
            defaultPartitions,
            Optional.ofNullable(security),
            Optional.ofNullable(tls)));
  }

  /** Shorthand for {@code build().start()}. */
  public EmbeddedKafka start() {
    return build().start();
  }
}

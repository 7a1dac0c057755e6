package io.pagedstream.kafka.embedded;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the user asked for, as collected by {@link EmbeddedKafkaBuilder}.
 *
 * @param dataDir a directory to keep, or empty for a temporary one deleted on close
 * @param port the client port, 0 for a free one chosen at the first start
 * @param extraProperties broker properties applied over the embedded defaults
 * @param defaultPartitions partitions of topics created without an explicit count
 * @param security SASL and ACLs, or empty for an open PLAINTEXT broker
 * @param tls mutual TLS and ACLs, or empty (never together with {@code security})
 */
record BrokerSettings(
    Optional<Path> dataDir,
    int port,
    Map<String, String> extraProperties,
    int defaultPartitions,
    Optional<SaslSecurity> security,
    Optional<TlsSecurity> tls) {

  BrokerSettings {
    extraProperties = Map.copyOf(extraProperties);
    if (security.isPresent() && tls.isPresent()) {
      throw new IllegalArgumentException(
          "Choose SASL (security()) or mutual TLS (tls()), not both");
    }
  }

  BrokerSettings(
      Optional<Path> dataDir,
      int port,
      Map<String, String> extraProperties,
      int defaultPartitions,
      Optional<SaslSecurity> security) {
    this(dataDir, port, extraProperties, defaultPartitions, security, Optional.empty());
  }
}

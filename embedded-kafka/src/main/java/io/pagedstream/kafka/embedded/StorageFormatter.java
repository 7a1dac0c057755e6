package io.pagedstream.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats a data directory for a new single-node cluster, as {@code kafka-storage.sh format} does:
 * {@code meta.properties} (cluster id, node id, directory id) plus the bootstrap metadata
 * checkpoint with the feature levels of the latest production release and, for SCRAM, the initial
 * users.
 */
final class StorageFormatter {

  private static final Logger LOG = LoggerFactory.getLogger(StorageFormatter.class);

  private StorageFormatter() {}

  /**
   * @return true if the directory was formatted now, false if it already held a Kafka node
   */
  static boolean formatIfNeeded(Path dir, Optional<SaslSecurity> security) {
    if (Files.exists(dir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
      return false;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    String clusterId = Uuid.randomUuid().toString();
    try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(print)
          .setNodeId(BrokerConfig.NODE_ID)
          .setClusterId(clusterId)
          .setControllerListenerName(BrokerConfig.CONTROLLER_LISTENER)
          .addDirectory(dir.toString())
          .setMetadataLogDirectory(dir.toString())
          .setScramArguments(SaslProperties.scramBootstrapArguments(security))
          .run();
    } catch (Exception e) {
      throw new EmbeddedKafkaException(
          "Cannot format Kafka data directory " + dir + ": " + e.getMessage(), e);
    }
    LOG.debug(
        "Formatted {} for cluster {}: {}",
        dir,
        clusterId,
        output.toString(StandardCharsets.UTF_8).trim());
    return true;
  }
}

package io.pagedstream.ingest;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.serde.AvroSerializer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serializer;

/** The schema registry ingest writes through. */
final class RegistrySettings {

  private RegistrySettings() {}

  /**
   * The registry settings in the client config ({@code schema.registry.url} and friends). Unlike
   * the serdes, ingest refuses to run without a URL: the serdes would fall back to an in-memory
   * registry, and records written with its schema ids can be read by nobody else.
   */
  static SchemaRegistryConfig from(KafkaSettings kafka) {
    SchemaRegistryConfig config;
    try {
      config = SchemaRegistryConfig.from(kafka.asMap());
    } catch (ConfigException e) {
      throw new IngestException("bad schema registry settings: " + OneLine.of(e), e);
    }
    return requireUrl(config);
  }

  static SchemaRegistryConfig requireUrl(SchemaRegistryConfig config) {
    if (config.urls().isEmpty()) {
      throw new IngestException(
          "no "
              + SchemaRegistryConfig.URL
              + " in the Kafka config: ingest must"
              + " register its schemas where the batcher and processors read them");
    }
    return config;
  }

  /** A value serializer for any of our records, on the configured registry. */
  static Serializer<SpecificRecord> serializer(SchemaRegistryConfig config) {
    try {
      return new AvroSerializer<>(SchemaRegistries.fromConfig(config), config.autoRegister());
    } catch (ConfigException e) {
      throw new IngestException("bad schema registry settings: " + OneLine.of(e), e);
    }
  }
}

package io.pagedstream.schemas.serde;

import io.pagedstream.schemas.registry.SchemaRegistry;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Ready-to-use {@link Serde}s for producers, consumers and Kafka Streams topologies. */
public final class AvroSerdes {

  private AvroSerdes() {}

  /**
   * A value serde for {@code type}, configured from {@code config} ({@code schema.registry.url}
   * etc.). Kafka Streams does not configure serdes passed to {@code Consumed.with}/{@code
   * Produced.with}, so this one arrives configured. Calling {@code configure} on it again
   * reconfigures both halves from the new map, registry included.
   */
  public static <T extends SpecificRecord> Serde<T> serde(Class<T> type, Map<String, ?> config) {
    return serde(type, config, false);
  }

  /** Like {@link #serde(Class, Map)}, for keys when {@code isKey} (subject {@code <topic>-key}). */
  public static <T extends SpecificRecord> Serde<T> serde(
      Class<T> type, Map<String, ?> config, boolean isKey) {
    AvroSerializer<T> serializer = new AvroSerializer<>();
    serializer.configure(config, isKey);
    AvroDeserializer<T> deserializer = new AvroDeserializer<>(type);
    deserializer.configure(config, isKey);
    return Serdes.serdeFrom(serializer, deserializer);
  }

  /** A value serde for {@code type} on an existing registry, registering schemas automatically. */
  public static <T extends SpecificRecord> Serde<T> serde(Class<T> type, SchemaRegistry registry) {
    return Serdes.serdeFrom(new AvroSerializer<>(registry), new AvroDeserializer<>(type, registry));
  }
}

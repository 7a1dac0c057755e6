package io.pagedstream.schemas.serde;

import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes generated Avro records in the Confluent wire format, registering (or, with {@code
 * auto.register.schemas=false}, looking up) the record's schema under {@code <topic>-value} or
 * {@code <topic>-key}.
 *
 * <p>Either construct it with a registry, or with no arguments and let Kafka call {@link
 * #configure} with the client config ({@code value.serializer=}this class).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

  private final ConcurrentMap<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();
  private SchemaRegistry registry;
  private boolean registryGiven;
  private boolean autoRegister = true;
  private boolean isKey;

  /** For Kafka's reflective creation; {@link #configure} must be called before use. */
  public AvroSerializer() {}

  public AvroSerializer(SchemaRegistry registry) {
    this(registry, true);
  }

  public AvroSerializer(SchemaRegistry registry, boolean autoRegister) {
    this.registry = registry;
    this.registryGiven = true;
    this.autoRegister = autoRegister;
  }

  /**
   * Reads {@code schema.registry.url} and the other {@link SchemaRegistryConfig} settings; a
   * registry given to the constructor is kept.
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    SchemaRegistryConfig config = SchemaRegistryConfig.from(configs);
    this.autoRegister = config.autoRegister();
    if (!registryGiven) {
      this.registry = SchemaRegistries.fromConfig(config);
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null; // a tombstone stays a tombstone
    }
    if (registry == null) {
      throw new IllegalStateException("AvroSerializer used before configure()");
    }
    Schema schema = data.getSchema();
    String subject = SchemaRegistry.subjectFor(topic, isKey);
    int id;
    try {
      id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
    } catch (SchemaRegistryException e) {
      throw new SerializationException(
          "Cannot "
              + (autoRegister ? "register" : "look up")
              + " schema "
              + schema.getFullName()
              + " under subject "
              + subject
              + ": "
              + e.getMessage(),
          e);
    }
    DatumWriter<T> writer =
        writers.computeIfAbsent(
            schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
    return WireFormat.encode(id, writer, data);
  }
}

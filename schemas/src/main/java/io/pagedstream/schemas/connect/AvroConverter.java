package io.pagedstream.schemas.connect;

import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import io.pagedstream.schemas.serde.WireFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.DatumReader;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Converts between Connect data and the Confluent Avro wire format, registering schemas under
 * {@code <topic>-value} (or {@code -key}). Failures are {@link DataException}s, which Connect's
 * {@code errors.tolerance} / dead-letter queue handle; the cause is the one-line {@link
 * SerializationException} the serdes also throw.
 */
public final class AvroConverter implements Converter {

  /** What one writer schema id decodes to, computed once per id. */
  private record Reading(
      org.apache.avro.Schema avroSchema, Schema connectSchema, DatumReader<Object> reader) {}

  private final ConnectAvroData data = new ConnectAvroData();
  private final ConcurrentMap<Integer, Reading> readings = new ConcurrentHashMap<>();
  private SchemaRegistry registry;
  private boolean autoRegister = true;
  private boolean isKey;

  /** For Connect's reflective creation; {@link #configure} must be called before use. */
  public AvroConverter() {}

  /** A converter on an existing registry; {@link #configure} may still set the other settings. */
  public AvroConverter(SchemaRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    SchemaRegistryConfig config = SchemaRegistryConfig.from(configs);
    this.autoRegister = config.autoRegister();
    if (registry == null) {
      registry = SchemaRegistries.fromConfig(config);
    }
  }

  @Override
  public ConfigDef config() {
    return SchemaRegistryConfig.CONFIG_DEF;
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    if (schema == null) {
      throw new DataException(
          "AvroConverter needs a schema: "
              + topic
              + " sent a schemaless "
              + value.getClass().getSimpleName());
    }
    org.apache.avro.Schema avroSchema = data.toAvroSchema(schema);
    Object datum = data.toAvroValue(schema, value, avroSchema);
    String subject = SchemaRegistry.subjectFor(topic, isKey);
    int id;
    try {
      id =
          autoRegister
              ? registry().register(subject, avroSchema)
              : registry().lookup(subject, avroSchema);
    } catch (SchemaRegistryException e) {
      throw new DataException(
          "Cannot "
              + (autoRegister ? "register" : "look up")
              + " schema "
              + avroSchema.getFullName()
              + " under subject "
              + subject
              + ": "
              + e.getMessage(),
          e);
    }
    return WireFormat.encode(id, new GenericDatumWriter<>(avroSchema), datum);
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) {
      return SchemaAndValue.NULL;
    }
    try {
      WireFormat.Frame frame = WireFormat.parse(value, topic + (isKey ? " key" : " value"));
      Reading reading = readings.get(frame.schemaId());
      if (reading == null) {
        org.apache.avro.Schema writer = frame.writerSchema(registry());
        reading =
            new Reading(writer, data.toConnectSchema(writer), new GenericDatumReader<>(writer));
        readings.putIfAbsent(frame.schemaId(), reading);
      }
      Object avroValue = frame.decode(reading.avroSchema(), reading.reader());
      return new SchemaAndValue(
          reading.connectSchema(), data.toConnectValue(reading.connectSchema(), avroValue));
    } catch (SerializationException e) {
      throw new DataException(e.getMessage(), e);
    }
  }

  private SchemaRegistry registry() {
    if (registry == null) {
      throw new IllegalStateException("AvroConverter used before configure()");
    }
    return registry;
  }
}

package io.pagedstream.schemas.serde;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads records in the Confluent wire format into a generated Avro class. The writer schema is
 * fetched by the id in the record and resolved against the class's own schema, so records written
 * by older or newer versions of the schema read fine as long as Avro's resolution rules allow it
 * (fields added with defaults, fields removed); otherwise the record fails with a one-line {@link
 * SerializationException} naming the incompatibility.
 *
 * <p>The target class comes from the constructor or, when Kafka creates it by class name, from
 * {@value #VALUE_TYPE_CONFIG} / {@value #KEY_TYPE_CONFIG}; without either it is the generated class
 * named like the writer schema.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

  /** Confluent's setting for the class to read values into. */
  public static final String VALUE_TYPE_CONFIG = "specific.avro.value.type";

  /** Confluent's setting for the class to read keys into. */
  public static final String KEY_TYPE_CONFIG = "specific.avro.key.type";

  /** How to read what one writer schema id wrote, or why it cannot be read; cached per id. */
  private record Resolution(Schema writer, DatumReader<?> reader, String incompatibility) {}

  private final ConcurrentMap<Integer, Resolution> resolutions = new ConcurrentHashMap<>();
  private Class<T> type;
  private SchemaRegistry registry;
  private boolean registryGiven;
  private boolean isKey;

  /** For Kafka's reflective creation; {@link #configure} must be called before use. */
  public AvroDeserializer() {}

  /** Reads into {@code type}; {@link #configure} must be called before use. */
  public AvroDeserializer(Class<T> type) {
    this.type = type;
  }

  public AvroDeserializer(Class<T> type, SchemaRegistry registry) {
    this.type = type;
    this.registry = registry;
    this.registryGiven = true;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    Object configured = configs.get(isKey ? KEY_TYPE_CONFIG : VALUE_TYPE_CONFIG);
    if (type == null && configured != null) {
      try {
        type =
            configured instanceof Class<?> c
                ? (Class<T>) c
                : (Class<T>) Utils.loadClass(configured.toString().trim(), Object.class);
      } catch (ClassNotFoundException e) {
        throw new ConfigException(
            isKey ? KEY_TYPE_CONFIG : VALUE_TYPE_CONFIG, configured, "class not found");
      }
      if (!SpecificRecord.class.isAssignableFrom(type)) {
        throw new ConfigException(type.getName() + " is not a generated Avro class");
      }
    }
    if (!registryGiven) {
      registry = SchemaRegistries.fromConfig(configs);
    }
    resolutions.clear();
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null; // a tombstone stays a tombstone
    }
    if (registry == null) {
      throw new IllegalStateException("AvroDeserializer used before configure()");
    }
    WireFormat.Frame frame = WireFormat.parse(data, topic + (isKey ? " key" : " value"));
    Resolution resolution = resolutions.get(frame.schemaId());
    if (resolution == null) {
      // not computeIfAbsent: resolving may call the registry, and failures must not be cached
      resolution = resolve(frame.writerSchema(registry));
      resolutions.putIfAbsent(frame.schemaId(), resolution);
    }
    if (resolution.incompatibility() != null) {
      throw new SerializationException(
          "Writer schema id "
              + frame.schemaId()
              + " ("
              + resolution.writer().getFullName()
              + ") in "
              + frame.what()
              + " cannot be resolved against reader schema "
              + resolution.incompatibility());
    }
    @SuppressWarnings("unchecked")
    DatumReader<T> reader = (DatumReader<T>) resolution.reader();
    return frame.decode(resolution.writer(), reader);
  }

  private Resolution resolve(Schema writer) {
    Class<?> target = type != null ? type : SpecificData.get().getClass(writer);
    if (target == null || !SpecificRecord.class.isAssignableFrom(target)) {
      return new Resolution(
          writer,
          null,
          "no generated class "
              + writer.getFullName()
              + " on the classpath and no "
              + (isKey ? KEY_TYPE_CONFIG : VALUE_TYPE_CONFIG)
              + " set");
    }
    SpecificData model = SpecificData.getForClass(target);
    Schema reader = model.getSchema(target);
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() != SchemaCompatibilityType.COMPATIBLE) {
      String why =
          result.getIncompatibilities().stream()
              .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
              .collect(Collectors.joining("; "));
      return new Resolution(writer, null, reader.getFullName() + ": " + OneLine.of(why));
    }
    return new Resolution(writer, new SpecificDatumReader<>(writer, reader, model), null);
  }
}

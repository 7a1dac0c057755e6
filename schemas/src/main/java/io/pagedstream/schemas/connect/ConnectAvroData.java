package io.pagedstream.schemas.connect;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.JsonProperties;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Converts schemas and values between Avro and Connect, for the subset described in the package
 * doc. Converted schemas are cached both ways (schemas are compared structurally, so equal schemas
 * share one entry). Field defaults of primitives and arrays are carried across so that a round trip
 * yields a schema that still evolves like the original.
 */
final class ConnectAvroData {

  /** The name Confluent's converter gives unnamed structs, for tools that know it. */
  private static final String DEFAULT_NAME = "io.confluent.connect.avro.ConnectDefault";

  /** Decimal, Date, Time and Timestamp, whose values are not what Avro's base types take. */
  private static final String CONNECT_LOGICAL_PREFIX = "org.apache.kafka.connect.data.";

  private static final String CONNECT_NAME = "connect.name";

  private final ConcurrentMap<org.apache.avro.Schema, Schema> connectSchemas =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<Schema, org.apache.avro.Schema> avroSchemas =
      new ConcurrentHashMap<>();

  // --- Avro -> Connect ---

  Schema toConnectSchema(org.apache.avro.Schema avro) {
    return connectSchemas.computeIfAbsent(avro, a -> toConnectBuilder(a).build());
  }

  private SchemaBuilder toConnectBuilder(org.apache.avro.Schema avro) {
    return switch (avro.getType()) {
      case RECORD -> {
        SchemaBuilder struct = SchemaBuilder.struct().name(avro.getFullName());
        for (org.apache.avro.Schema.Field field : avro.getFields()) {
          struct.field(field.name(), fieldSchema(field).build());
        }
        yield struct;
      }
      case ARRAY -> SchemaBuilder.array(toConnectBuilder(avro.getElementType()).build());
      case MAP ->
          SchemaBuilder.map(Schema.STRING_SCHEMA, toConnectBuilder(avro.getValueType()).build());
      case UNION -> {
        org.apache.avro.Schema nonNull = nullableType(avro);
        if (nonNull == null) {
          throw new DataException(
              "Unsupported Avro union "
                  + avro
                  + ": only [\"null\", X] unions map to Connect (as optional X)");
        }
        yield toConnectBuilder(nonNull).optional();
      }
      // a string's connect.name is a Connect semantic type (Debezium's io.debezium.data.Json:
      // jsonb)
      case STRING ->
          avro.getProp(CONNECT_NAME) != null
              ? SchemaBuilder.string().name(avro.getProp(CONNECT_NAME))
              : SchemaBuilder.string();
      case ENUM -> SchemaBuilder.string();
      case BYTES, FIXED -> SchemaBuilder.bytes();
      case INT -> SchemaBuilder.int32();
      case LONG -> SchemaBuilder.int64();
      case FLOAT -> SchemaBuilder.float32();
      case DOUBLE -> SchemaBuilder.float64();
      case BOOLEAN -> SchemaBuilder.bool();
      case NULL -> throw new DataException("Avro null schemas have no Connect equivalent");
    };
  }

  private SchemaBuilder fieldSchema(org.apache.avro.Schema.Field field) {
    SchemaBuilder builder = toConnectBuilder(field.schema());
    Object defaultValue = field.hasDefaultValue() ? field.defaultVal() : null;
    if (defaultValue != null
        && !(defaultValue instanceof JsonProperties.Null)
        && isPrimitiveOrArray(builder.type())) {
      builder.defaultValue(toConnectValue(builder, defaultValue));
    }
    return builder;
  }

  /** The X of a {@code ["null", X]} or {@code [X, "null"]} union, or null for other unions. */
  private static org.apache.avro.Schema nullableType(org.apache.avro.Schema union) {
    List<org.apache.avro.Schema> types = union.getTypes();
    if (types.size() != 2) {
      return null;
    }
    boolean nullFirst = types.get(0).getType() == org.apache.avro.Schema.Type.NULL;
    boolean nullSecond = types.get(1).getType() == org.apache.avro.Schema.Type.NULL;
    return nullFirst == nullSecond ? null : types.get(nullFirst ? 1 : 0);
  }

  /** Converts a value read by a generic Avro reader (or an Avro field default). */
  Object toConnectValue(Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    return switch (schema.type()) {
      case STRUCT -> {
        GenericRecord record = (GenericRecord) value;
        Struct struct = new Struct(schema);
        for (Field field : schema.fields()) {
          struct.put(field, toConnectValue(field.schema(), record.get(field.name())));
        }
        yield struct;
      }
      case ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (Object item : (Iterable<?>) value) {
          list.add(toConnectValue(schema.valueSchema(), item));
        }
        yield list;
      }
      case MAP -> {
        Map<String, Object> map = new LinkedHashMap<>();
        ((Map<?, ?>) value)
            .forEach((k, v) -> map.put(k.toString(), toConnectValue(schema.valueSchema(), v)));
        yield map;
      }
      case STRING -> value.toString(); // Utf8, String or an enum symbol
      case BYTES ->
          value instanceof ByteBuffer buffer
              ? bytes(buffer)
              : value instanceof GenericFixed fixed ? fixed.bytes() : value;
      // Avro field defaults arrive as whatever number JSON had, e.g. 0 for a double
      case INT32 -> ((Number) value).intValue();
      case INT64 -> ((Number) value).longValue();
      case FLOAT32 -> ((Number) value).floatValue();
      case FLOAT64 -> ((Number) value).doubleValue();
      default -> value;
    };
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  // --- Connect -> Avro ---

  org.apache.avro.Schema toAvroSchema(Schema connect) {
    org.apache.avro.Schema cached = avroSchemas.get(connect);
    if (cached == null) {
      cached = toAvro(connect, new AtomicInteger());
      avroSchemas.putIfAbsent(connect, cached);
    }
    return cached;
  }

  private org.apache.avro.Schema toAvro(Schema connect, AtomicInteger unnamed) {
    org.apache.avro.Schema base =
        switch (connect.type()) {
          case STRUCT -> {
            String name = connect.name();
            if (name == null) {
              int n = unnamed.incrementAndGet();
              name = n == 1 ? DEFAULT_NAME : DEFAULT_NAME + n;
            }
            List<org.apache.avro.Schema.Field> fields = new ArrayList<>();
            for (Field field : connect.fields()) {
              fields.add(avroField(field, toAvro(field.schema(), unnamed)));
            }
            yield org.apache.avro.Schema.createRecord(name, connect.doc(), null, false, fields);
          }
          case ARRAY -> org.apache.avro.Schema.createArray(toAvro(connect.valueSchema(), unnamed));
          case MAP -> {
            if (connect.keySchema().type() != Schema.Type.STRING) {
              throw new DataException(
                  "Avro maps need string keys, not " + connect.keySchema().type());
            }
            yield org.apache.avro.Schema.createMap(toAvro(connect.valueSchema(), unnamed));
          }
          case STRING -> {
            org.apache.avro.Schema string = primitive(org.apache.avro.Schema.Type.STRING);
            if (connect.name() != null && !connect.name().startsWith(CONNECT_LOGICAL_PREFIX)) {
              string.addProp(
                  CONNECT_NAME, connect.name()); // a semantic type survives the round trip
            }
            yield string;
          }
          case BYTES -> primitive(org.apache.avro.Schema.Type.BYTES);
          case INT8, INT16, INT32 -> primitive(org.apache.avro.Schema.Type.INT);
          case INT64 -> primitive(org.apache.avro.Schema.Type.LONG);
          case FLOAT32 -> primitive(org.apache.avro.Schema.Type.FLOAT);
          case FLOAT64 -> primitive(org.apache.avro.Schema.Type.DOUBLE);
          case BOOLEAN -> primitive(org.apache.avro.Schema.Type.BOOLEAN);
        };
    // other named primitives (e.g. Debezium's semantic types) are written as their base type
    if (connect.name() != null && connect.name().startsWith(CONNECT_LOGICAL_PREFIX)) {
      throw new DataException("Unsupported Connect logical type " + connect.name());
    }
    return connect.isOptional()
        ? org.apache.avro.Schema.createUnion(primitive(org.apache.avro.Schema.Type.NULL), base)
        : base;
  }

  private static org.apache.avro.Schema primitive(org.apache.avro.Schema.Type type) {
    return org.apache.avro.Schema.create(type);
  }

  private org.apache.avro.Schema.Field avroField(Field field, org.apache.avro.Schema avro) {
    Schema schema = field.schema();
    Object defaultValue;
    if (schema.isOptional()) {
      defaultValue = JsonProperties.NULL_VALUE; // the union starts with null
    } else if (schema.defaultValue() != null && isPrimitiveOrArray(schema.type())) {
      defaultValue =
          schema.defaultValue() instanceof byte[] b ? ByteBuffer.wrap(b) : schema.defaultValue();
    } else {
      defaultValue = null; // no default
    }
    return new org.apache.avro.Schema.Field(field.name(), avro, schema.doc(), defaultValue);
  }

  /** Converts a Connect value into what a generic Avro writer takes. */
  Object toAvroValue(Schema schema, Object value, org.apache.avro.Schema avro) {
    if (value == null) {
      if (!schema.isOptional()) {
        throw new DataException(
            "null value for a required "
                + schema.type()
                + (schema.name() == null ? "" : " " + schema.name()));
      }
      return null;
    }
    org.apache.avro.Schema target =
        avro.getType() == org.apache.avro.Schema.Type.UNION ? nullableType(avro) : avro;
    return switch (schema.type()) {
      case STRUCT -> {
        Struct struct = (Struct) value;
        struct.validate();
        GenericData.Record record = new GenericData.Record(target);
        for (Field field : schema.fields()) {
          record.put(
              field.name(),
              toAvroValue(
                  field.schema(), struct.get(field), target.getField(field.name()).schema()));
        }
        yield record;
      }
      case ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (Object item : (List<?>) value) {
          list.add(toAvroValue(schema.valueSchema(), item, target.getElementType()));
        }
        yield list;
      }
      case MAP -> {
        Map<String, Object> map = new LinkedHashMap<>();
        ((Map<?, ?>) value)
            .forEach(
                (k, v) ->
                    map.put(
                        (String) k, toAvroValue(schema.valueSchema(), v, target.getValueType())));
        yield map;
      }
      case BYTES -> value instanceof byte[] b ? ByteBuffer.wrap(b) : value;
      case INT8, INT16 -> ((Number) value).intValue();
      default -> value;
    };
  }

  private static boolean isPrimitiveOrArray(Schema.Type type) {
    return type != Schema.Type.STRUCT && type != Schema.Type.MAP;
  }
}

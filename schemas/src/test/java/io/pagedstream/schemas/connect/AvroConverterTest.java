package io.pagedstream.schemas.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.registry.InMemorySchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import io.pagedstream.schemas.serde.AvroDeserializer;
import io.pagedstream.schemas.serde.AvroSerializer;
import io.pagedstream.schemas.serde.WireFormat;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AvroConverterTest {

  private static final String TOPIC = "llm.completions";
  private String scope;
  private InMemorySchemaRegistry registry;
  private AvroConverter converter;

  @BeforeEach
  void setUp() {
    scope = Samples.newScope();
    registry = SchemaRegistries.mockScope(scope);
    converter = new AvroConverter();
    // what a worker passes after stripping "value.converter."
    converter.configure(Map.of(SchemaRegistryConfig.URL, "mock://" + scope), false);
  }

  private byte[] serialize(String topic, org.apache.avro.specific.SpecificRecord record) {
    return new AvroSerializer<>(registry).serialize(topic, record);
  }

  @Test
  void aCompletionBecomesAStructNamedLikeTheRecord() {
    SchemaAndValue converted =
        converter.toConnectData(TOPIC, serialize(TOPIC, Samples.completion()));

    Schema schema = converted.schema();
    assertThat(schema.type()).isEqualTo(Schema.Type.STRUCT);
    assertThat(schema.name()).isEqualTo("io.pagedstream.schemas.avro.Completion");
    assertThat(schema.field("id").schema()).isEqualTo(Schema.STRING_SCHEMA);
    assertThat(schema.field("token_ids").schema().type()).isEqualTo(Schema.Type.ARRAY);
    assertThat(schema.field("token_ids").schema().valueSchema()).isEqualTo(Schema.INT32_SCHEMA);
    assertThat(schema.field("text").schema().isOptional()).isTrue();
    assertThat(schema.field("text").schema().type()).isEqualTo(Schema.Type.STRING);
    assertThat(schema.field("first_token_ms").schema().defaultValue()).isEqualTo(-1.0);
    assertThat(schema.field("job_id").schema().defaultValue()).isEqualTo("");
    assertThat(schema.fields())
        .extracting(f -> f.name())
        .containsExactly(
            "id",
            "job_id",
            "token_ids",
            "text",
            "finish_reason",
            "error",
            "prompt_tokens",
            "output_tokens",
            "queue_ms",
            "first_token_ms",
            "generation_ms",
            "batch_id",
            "processor",
            "completed_at_ms",
            "cached",
            "choices",
            "format",
            "custom_id",
            "model");

    Struct struct = (Struct) converted.value();
    assertThat(struct.getString("id")).isEqualTo("req-1");
    assertThat(struct.getArray("token_ids")).containsExactly(3118, 263, 931);
    assertThat(struct.getString("text")).isEqualTo(" there was");
    assertThat(struct.getString("error")).isNull();
    assertThat(struct.getFloat64("first_token_ms")).isEqualTo(40.25);
    assertThat(struct.getInt64("completed_at_ms")).isEqualTo(1_700_000_001_000L);
    assertThat(struct.getBoolean("cached")).isTrue();
  }

  @Test
  void anErrorCompletionHasNullTextAndItsError() {
    Struct struct =
        (Struct)
            converter.toConnectData(TOPIC, serialize(TOPIC, Samples.errorCompletion())).value();

    assertThat(struct.getString("text")).isNull();
    assertThat(struct.getString("finish_reason")).isEqualTo("error");
    assertThat(struct.getString("error")).contains("context is 4096");
    assertThat(struct.getArray("token_ids")).isEmpty();
  }

  @Test
  void completionsRoundTripThroughConnectDataAndStillReadAsCompletions() {
    SchemaAndValue first = converter.toConnectData(TOPIC, serialize(TOPIC, Samples.completion()));

    byte[] written = converter.fromConnectData(TOPIC, first.schema(), first.value());

    assertThat(converter.toConnectData(TOPIC, written)).isEqualTo(first);
    assertThat(new AvroDeserializer<>(Completion.class, registry).deserialize(TOPIC, written))
        .isEqualTo(Samples.completion());
  }

  @Test
  void nestedBatchesRoundTrip() {
    SchemaAndValue first =
        converter.toConnectData("llm.batches", serialize("llm.batches", Samples.batch()));
    Struct batch = (Struct) first.value();
    Struct request = (Struct) batch.getArray("requests").get(0);
    assertThat(request.schema().name()).isEqualTo("io.pagedstream.schemas.avro.BatchedRequest");
    assertThat(request.getInt64("seed")).isEqualTo(3L);

    byte[] written = converter.fromConnectData("llm.batches", first.schema(), first.value());

    assertThat(
            new AvroDeserializer<>(GenerationBatch.class, registry)
                .deserialize("llm.batches", written))
        .isEqualTo(Samples.batch());
  }

  @Test
  void mapsBytesFloatsAndOptionalRecordsRoundTrip() {
    org.apache.avro.Schema avro =
        new org.apache.avro.Schema.Parser()
            .parse(
                """
        {"type": "record", "name": "Stats", "namespace": "test", "fields": [
          {"name": "counts", "type": {"type": "map", "values": "long"}},
          {"name": "digest", "type": "bytes"},
          {"name": "ratio", "type": "float"},
          {"name": "inner", "type": ["null", {"type": "record", "name": "Inner",
            "fields": [{"name": "tags", "type": {"type": "array", "items": "string"}}]}],
            "default": null},
          {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}}
        ]}""");
    GenericRecord inner = new GenericData.Record(avro.getField("inner").schema().getTypes().get(1));
    inner.put("tags", List.of("x", "y"));
    GenericRecord record = new GenericData.Record(avro);
    record.put("counts", Map.of("prompt", 5L));
    record.put("digest", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    record.put("ratio", 0.5f);
    record.put("inner", inner);
    record.put("kind", new GenericData.EnumSymbol(avro.getField("kind").schema(), "B"));
    int id = registry.register("stats-value", avro);
    byte[] bytes = WireFormat.encode(id, new GenericDatumWriter<>(avro), record);

    SchemaAndValue first = converter.toConnectData("stats", bytes);
    Struct struct = (Struct) first.value();
    assertThat(struct.getMap("counts")).containsEntry("prompt", 5L);
    assertThat(struct.getBytes("digest")).containsExactly(1, 2, 3);
    assertThat(struct.getFloat32("ratio")).isEqualTo(0.5f);
    assertThat(struct.getStruct("inner").getArray("tags")).containsExactly("x", "y");
    assertThat(struct.getString("kind")).isEqualTo("B");

    // another topic: the enum comes back as a string, which its own subject would reject
    SchemaAndValue again =
        converter.toConnectData(
            "stats-copy", converter.fromConnectData("stats-copy", first.schema(), first.value()));
    assertThat(again.schema()).isEqualTo(first.schema());
    assertThat(((Struct) again.value()).getBytes("digest")).containsExactly(1, 2, 3);
    assertThat(((Struct) again.value()).getStruct("inner")).isEqualTo(struct.getStruct("inner"));
  }

  @Test
  void primitiveKeysRoundTripUnderTheKeySubject() {
    AvroConverter keys = new AvroConverter();
    keys.configure(Map.of(SchemaRegistryConfig.URL, "mock://" + scope), true);

    byte[] bytes = keys.fromConnectData(TOPIC, Schema.STRING_SCHEMA, "req-1");

    assertThat(keys.toConnectData(TOPIC, bytes))
        .isEqualTo(new SchemaAndValue(Schema.STRING_SCHEMA, "req-1"));
    assertThat(registry.subjects()).containsExactly("llm.completions-key");
  }

  @Test
  void convertedSchemasAreCachedPerSchemaId() {
    Schema first = converter.toConnectData(TOPIC, serialize(TOPIC, Samples.completion())).schema();
    Schema second =
        converter.toConnectData(TOPIC, serialize(TOPIC, Samples.errorCompletion())).schema();

    assertThat(second).isSameAs(first);
  }

  @Test
  void unnamedStructsGetConfluentsDefaultName() {
    Schema schema =
        SchemaBuilder.struct()
            .field("n", Schema.INT32_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    byte[] bytes = converter.fromConnectData("t", schema, new Struct(schema).put("n", 3));

    SchemaAndValue back = converter.toConnectData("t", bytes);
    assertThat(back.schema().name()).isEqualTo("io.confluent.connect.avro.ConnectDefault");
    assertThat(((Struct) back.value()).getInt32("n")).isEqualTo(3);
    assertThat(((Struct) back.value()).getString("note")).isNull();
  }

  @Test
  void nullsAreTombstones() {
    assertThat(converter.toConnectData(TOPIC, null)).isEqualTo(SchemaAndValue.NULL);
    assertThat(converter.fromConnectData(TOPIC, Schema.STRING_SCHEMA, null)).isNull();
  }

  @Test
  void failuresAreDataExceptionsWithTheReason() {
    assertThatThrownBy(() -> converter.toConnectData(TOPIC, "{\"id\":1}".getBytes()))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith("Unknown magic byte 0x7b in llm.completions value");
    assertThatThrownBy(() -> converter.toConnectData(TOPIC, new byte[] {0, 0, 0, 0, 99}))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith("Unknown schema id 99");
    assertThatThrownBy(() -> converter.fromConnectData(TOPIC, null, Map.of("id", "x")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("needs a schema");
    Schema schema = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).build();
    assertThatThrownBy(() -> converter.fromConnectData(TOPIC, schema, new Struct(schema)))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("id");
  }
}

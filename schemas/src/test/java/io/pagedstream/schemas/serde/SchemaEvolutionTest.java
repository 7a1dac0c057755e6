package io.pagedstream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.InMemorySchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Records written with other versions of a schema, read with the generated classes. */
class SchemaEvolutionTest {

  private static final String TOPIC = "llm.completions";
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroDeserializer<Completion> deserializer =
      new AvroDeserializer<>(Completion.class, registry);

  @Test
  void anOlderWriterWithoutSomeFieldsReadsWithTheReadersDefaults() {
    Schema old = without(Completion.SCHEMA$, "first_token_ms", "processor", "cached");
    GenericRecord record = copy(Samples.completion(), old);

    Completion read = deserializer.deserialize(TOPIC, write("llm.completions-value", record));

    assertThat(read.getFirstTokenMs()).isEqualTo(-1.0);
    assertThat(read.getProcessor()).isNull();
    assertThat(read.getCached()).isFalse();
    assertThat(read)
        .isEqualTo(
            Completion.newBuilder(Samples.completion())
                .setFirstTokenMs(-1.0)
                .setProcessor(null)
                .setCached(false)
                .build());
  }

  @Test
  void aNewerWriterWithExtraFieldsReadsWithAnOlderReader() {
    Schema newer =
        with(
            Completion.SCHEMA$,
            new Schema.Field("priority", Schema.create(Schema.Type.INT), null, 0),
            new Schema.Field(
                "region",
                Schema.createUnion(
                    Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
                null,
                Schema.Field.NULL_DEFAULT_VALUE));
    GenericRecord record = copy(Samples.completion(), newer);
    record.put("priority", 7);
    record.put("region", "eu-west");

    // registering it after the current schema also shows the change is BACKWARD compatible
    registry.register("llm.completions-value", Completion.SCHEMA$);
    Completion read = deserializer.deserialize(TOPIC, write("llm.completions-value", record));

    assertThat(read).isEqualTo(Samples.completion());
  }

  @Test
  void aWriterMissingAFieldWithoutDefaultCannotBeResolved() {
    Schema broken = without(Completion.SCHEMA$, "finish_reason");
    byte[] bytes = write("broken-value", copy(Samples.completion(), broken));

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageStartingWith(
            "Writer schema id 1 (io.pagedstream.schemas.avro.Completion) in "
                + "llm.completions value cannot be resolved against reader schema "
                + "io.pagedstream.schemas.avro.Completion: ")
        .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
        .hasMessageContaining("finish_reason")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aFieldWhoseTypeChangedIncompatiblyCannotBeResolved() {
    Schema longs =
        replace(
            Completion.SCHEMA$,
            new Schema.Field(
                "token_ids", Schema.createArray(Schema.create(Schema.Type.LONG)), null, List.of()));
    GenericRecord record = copy(Samples.completion(), longs);
    record.put("token_ids", List.of(1L, 2L));

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, write("longs-value", record)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("cannot be resolved")
        .hasMessageContaining("TYPE_MISMATCH");
  }

  @Test
  void aRecordOfAnotherTypeCannotBeResolved() {
    byte[] request =
        new AvroSerializer<GenerationRequest>(registry)
            .serialize("llm.requests", Samples.textRequest());

    assertThatThrownBy(() -> deserializer.deserialize(TOPIC, request))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("(io.pagedstream.schemas.avro.GenerationRequest)")
        .hasMessageContaining("cannot be resolved");
  }

  @Test
  void theRegistryRejectsANewVersionThatCannotReadTheOldOne() {
    registry.register("llm.completions-value", Completion.SCHEMA$);
    Schema required =
        with(
            Completion.SCHEMA$,
            new Schema.Field("tenant", Schema.create(Schema.Type.STRING), null, (Object) null));

    assertThatThrownBy(() -> registry.register("llm.completions-value", required))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
              assertThat(e.status()).isEqualTo(409);
            })
        .hasMessageContaining("incompatible");
  }

  // --- helpers building other versions of a schema ---

  private byte[] write(String subject, GenericRecord record) {
    int id = registry.register(subject, record.getSchema());
    return WireFormat.encode(id, new GenericDatumWriter<>(record.getSchema()), record);
  }

  private static GenericRecord copy(Completion completion, Schema schema) {
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      Schema.Field source = Completion.SCHEMA$.getField(field.name());
      if (source != null) {
        record.put(field.name(), completion.get(source.pos()));
      }
    }
    return record;
  }

  private static Schema without(Schema schema, String... names) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field field : schema.getFields()) {
      if (!Set.of(names).contains(field.name())) {
        fields.add(new Schema.Field(field, field.schema()));
      }
    }
    return record(schema, fields);
  }

  private static Schema with(Schema schema, Schema.Field... extra) {
    List<Schema.Field> fields = new ArrayList<>();
    schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.addAll(List.of(extra));
    return record(schema, fields);
  }

  private static Schema replace(Schema schema, Schema.Field replacement) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field field : schema.getFields()) {
      fields.add(
          field.name().equals(replacement.name())
              ? replacement
              : new Schema.Field(field, field.schema()));
    }
    return record(schema, fields);
  }

  private static Schema record(Schema like, List<Schema.Field> fields) {
    return Schema.createRecord(like.getName(), like.getDoc(), like.getNamespace(), false, fields);
  }
}

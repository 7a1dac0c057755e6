package io.pagedstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.serde.AvroDeserializer;
import io.pagedstream.schemas.serde.AvroSerializer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process registry kept in a compacted topic: a record serialized before the broker (and the
 * registry) went away is read after a restart on the same data, with the same schema ids.
 */
class KafkaSchemaJournalTest {

  @TempDir Path dir;

  @Test
  void idsSurviveARestartOfBrokerAndRegistry() {
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
      String before = Samples.newScope();
      byte[] request;
      int requestId;
      int completionId;
      try (KafkaSchemaJournal journal =
          KafkaSchemaJournal.open(kafka.clientProperties(), KafkaSchemaJournal.DEFAULT_TOPIC)) {
        InMemorySchemaRegistry registry = SchemaRegistries.openDurableScope(before, journal);
        completionId = registry.register("llm.completions-value", Completion.getClassSchema());
        AvroSerializer<GenerationRequest> writer = new AvroSerializer<>();
        writer.configure(Samples.mockConfig(before), false);
        request = writer.serialize("llm.requests", Samples.textRequest());
        requestId = registry.lookup("llm.requests-value", GenerationRequest.getClassSchema());
        // the same schema under another subject keeps its id
        assertThat(registry.register("other-value", Completion.getClassSchema()))
            .isEqualTo(completionId);
      } finally {
        SchemaRegistries.dropScope(before);
      }
      assertThat(requestId).isNotEqualTo(completionId);

      kafka.restart();

      String after = Samples.newScope();
      try (KafkaSchemaJournal journal =
          KafkaSchemaJournal.open(kafka.clientProperties(), KafkaSchemaJournal.DEFAULT_TOPIC)) {
        InMemorySchemaRegistry registry = SchemaRegistries.openDurableScope(after, journal);
        AvroDeserializer<GenerationRequest> reader =
            new AvroDeserializer<>(GenerationRequest.class);
        reader.configure(Samples.mockConfig(after), false);
        assertThat(reader.deserialize("llm.requests", request)).isEqualTo(Samples.textRequest());
        assertThat(registry.schemaById(completionId)).isEqualTo(Completion.getClassSchema());
        assertThat(registry.latest("other-value").id()).isEqualTo(completionId);
        assertThat(registry.latest("other-value").version()).isEqualTo(1);
        assertThat(registry.subjects())
            .containsExactlyInAnyOrder(
                "llm.completions-value", "llm.requests-value", "other-value");
        // a new schema continues the sequence, and a second version of a subject is version 2
        Schema v2 =
            SchemaBuilder.record("Completion")
                .namespace("io.pagedstream.schemas.avro")
                .fields()
                .requiredString("id")
                .endRecord();
        Schema fresh = SchemaBuilder.record("Fresh").fields().requiredInt("n").endRecord();
        int freshId = registry.register("fresh-value", fresh);
        assertThat(freshId).isEqualTo(Math.max(requestId, completionId) + 1);
        assertThat(registry.register("v-value", v2)).isEqualTo(freshId + 1);
      } finally {
        SchemaRegistries.dropScope(after);
      }
    }
  }

  @Test
  void aJournalThatSkipsIdsIsRefused() {
    Schema a = SchemaBuilder.record("A").fields().requiredInt("n").endRecord();
    List<RegisteredSchema> stored =
        new ArrayList<>(List.of(new RegisteredSchema("a-value", 1, 2, a)));
    SchemaJournal gap =
        new SchemaJournal() {
          @Override
          public List<RegisteredSchema> load() {
            return stored;
          }

          @Override
          public void append(RegisteredSchema registration) {
            stored.add(registration);
          }
        };
    assertThatThrownBy(() -> new InMemorySchemaRegistry(gap))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("out of order");
  }
}

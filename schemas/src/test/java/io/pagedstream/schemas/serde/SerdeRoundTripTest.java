package io.pagedstream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.core.request.FinishReason;
import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationBatch;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.registry.InMemorySchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistries;
import io.pagedstream.schemas.registry.SchemaRegistryConfig;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SerdeRoundTripTest {

  static Stream<Arguments> records() {
    return Stream.of(
        Arguments.of("llm.requests", Samples.textRequest()),
        Arguments.of("llm.requests", Samples.tokenRequest()),
        Arguments.of("llm.batches", Samples.batch()),
        Arguments.of("llm.completions", Samples.completion()),
        Arguments.of("llm.completions", Samples.errorCompletion()));
  }

  @ParameterizedTest
  @MethodSource("records")
  void recordsRoundTripInTheWireFormatUnderTheTopicValueSubject(
      String topic, SpecificRecord record) {
    String scope = Samples.newScope();
    Serde<SpecificRecord> serde = serdeFor(record, Samples.mockConfig(scope));

    byte[] bytes = serde.serializer().serialize(topic, record);

    InMemorySchemaRegistry registry = SchemaRegistries.mockScope(scope);
    assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    assertThat(registry.latest(topic + "-value").id()).isEqualTo(id);
    assertThat(registry.schemaById(id)).isEqualTo(record.getSchema());
    assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(record);
  }

  @SuppressWarnings("unchecked")
  private static Serde<SpecificRecord> serdeFor(SpecificRecord record, Map<String, ?> config) {
    return AvroSerdes.serde((Class<SpecificRecord>) record.getClass(), config);
  }

  @Test
  void unsetFieldsTakeTheSchemaDefaults() {
    Completion minimal =
        Completion.newBuilder().setId("r").setFinishReason(FinishReason.STOP.wire()).build();
    Serde<Completion> serde =
        AvroSerdes.serde(Completion.class, Samples.mockConfig(Samples.newScope()));

    Completion read =
        serde.deserializer().deserialize("t", serde.serializer().serialize("t", minimal));

    assertThat(read.getJobId()).isEmpty();
    assertThat(read.getTokenIds()).isEmpty();
    assertThat(read.getText()).isNull();
    assertThat(read.getFirstTokenMs()).isEqualTo(-1.0);
    assertThat(read.getCached()).isFalse();
    GenerationRequest request = GenerationRequest.newBuilder().setId("r").build();
    assertThat(request.getMaxTokens()).isEqualTo(16);
    assertThat(request.getTemperature()).isEqualTo(1.0);
    assertThat(request.getPrompt()).isNull();
  }

  @Test
  void serializerAndDeserializerConfiguredSeparatelyByKafkaShareTheMockScope() {
    String scope = Samples.newScope();
    AvroSerializer<Completion> serializer = new AvroSerializer<>();
    serializer.configure(new HashMap<>(Samples.mockConfig(scope)), false);
    Map<String, Object> consumerConfig = new HashMap<>(Samples.mockConfig(scope));
    consumerConfig.put(AvroDeserializer.VALUE_TYPE_CONFIG, Completion.class.getName());
    AvroDeserializer<Completion> deserializer = new AvroDeserializer<>();
    deserializer.configure(consumerConfig, false);

    byte[] bytes = serializer.serialize("llm.completions", Samples.completion());

    assertThat(deserializer.deserialize("llm.completions", bytes)).isEqualTo(Samples.completion());
  }

  @Test
  void withoutAConfiguredTypeTheDeserializerUsesTheClassNamedLikeTheWriterSchema() {
    String scope = Samples.newScope();
    AvroDeserializer<GenerationBatch> deserializer = new AvroDeserializer<>();
    deserializer.configure(Samples.mockConfig(scope), false);
    byte[] bytes =
        AvroSerdes.serde(GenerationBatch.class, Samples.mockConfig(scope))
            .serializer()
            .serialize("llm.batches", Samples.batch());

    assertThat(deserializer.deserialize("llm.batches", bytes)).isEqualTo(Samples.batch());
  }

  @Test
  void keysAreRegisteredUnderTheTopicKeySubject() {
    String scope = Samples.newScope();
    Serde<GenerationRequest> keySerde =
        AvroSerdes.serde(GenerationRequest.class, Samples.mockConfig(scope), true);

    byte[] bytes = keySerde.serializer().serialize("llm.requests", Samples.textRequest());

    assertThat(SchemaRegistries.mockScope(scope).subjects()).containsExactly("llm.requests-key");
    assertThat(keySerde.deserializer().deserialize("llm.requests", bytes))
        .isEqualTo(Samples.textRequest());
  }

  @Test
  void nullsStayNullsForTombstones() {
    Serde<Completion> serde = AvroSerdes.serde(Completion.class, new InMemorySchemaRegistry());

    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void theSameSchemaIsRegisteredOnceAndReusesItsId() {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    Serde<Completion> serde = AvroSerdes.serde(Completion.class, registry);

    byte[] first = serde.serializer().serialize("llm.completions", Samples.completion());
    byte[] second = serde.serializer().serialize("llm.completions", Samples.errorCompletion());

    assertThat(ByteBuffer.wrap(second, 1, 4).getInt())
        .isEqualTo(ByteBuffer.wrap(first, 1, 4).getInt());
    assertThat(registry.latest("llm.completions-value").version()).isEqualTo(1);
  }

  @Test
  void withoutAutoRegistrationTheSchemaMustAlreadyBeRegistered() {
    String scope = Samples.newScope();
    Map<String, Object> config = new HashMap<>(Samples.mockConfig(scope));
    config.put(SchemaRegistryConfig.AUTO_REGISTER, "false");
    Serde<Completion> serde = AvroSerdes.serde(Completion.class, config);

    assertThatThrownBy(() -> serde.serializer().serialize("llm.completions", Samples.completion()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("Cannot look up schema io.pagedstream.schemas.avro.Completion")
        .hasMessageContaining("llm.completions-value");
    assertThat(SchemaRegistries.mockScope(scope).subjects()).isEmpty();

    SchemaRegistries.mockScope(scope).register("llm.completions-value", Completion.SCHEMA$);
    byte[] bytes = serde.serializer().serialize("llm.completions", Samples.completion());
    assertThat(serde.deserializer().deserialize("llm.completions", bytes))
        .isEqualTo(Samples.completion());
  }

  @Test
  void aListOfTokenIdsSurvivesLargeValues() {
    Completion big =
        Completion.newBuilder(Samples.completion())
            .setTokenIds(List.of(0, 1, 127, 128, 32_000, Integer.MAX_VALUE, -1))
            .build();
    Serde<Completion> serde = AvroSerdes.serde(Completion.class, new InMemorySchemaRegistry());

    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", big)))
        .isEqualTo(big);
  }
}

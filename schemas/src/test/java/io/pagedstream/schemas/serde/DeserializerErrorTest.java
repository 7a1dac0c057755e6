package io.pagedstream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pagedstream.schemas.Samples;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.registry.InMemorySchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * Every way a record can fail to decode is a one-line SerializationException saying why, which the
 * services put in the dead-letter record's headers.
 */
class DeserializerErrorTest {

  private static final String TOPIC = "llm.completions";
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroDeserializer<Completion> deserializer =
      new AvroDeserializer<>(Completion.class, registry);
  private final byte[] valid =
      new AvroSerializer<Completion>(registry).serialize(TOPIC, Samples.completion());

  private AbstractThrowableAssert<?, ? extends Throwable> assertFailure(byte[] data) {
    Throwable thrown = catchThrowable(() -> deserializer.deserialize(TOPIC, data));
    assertThat(thrown).isInstanceOf(SerializationException.class);
    assertThat(thrown.getMessage()).doesNotContain("\n").doesNotContain("\r");
    return assertThat(thrown);
  }

  @Test
  void tooShortForTheHeader() {
    assertFailure(new byte[0])
        .hasMessage(
            "Cannot deserialize llm.completions value: 0 bytes is shorter than the 5-byte"
                + " header (magic byte 0 and schema id) of the Confluent Avro wire format");
    assertFailure(new byte[] {0, 0, 1}).hasMessageContaining("3 bytes is shorter");
  }

  @Test
  void badMagicByte() {
    byte[] bytes = valid.clone();
    bytes[0] = 1;
    assertFailure(bytes)
        .hasMessageStartingWith("Unknown magic byte 0x01 in llm.completions value (expected 0x00");
  }

  @Test
  void jsonInsteadOfAvroSaysSo() {
    assertFailure("{\"id\": \"req-1\", \"text\": \"hi\"}".getBytes(StandardCharsets.UTF_8))
        .hasMessageContaining("Unknown magic byte 0x7b")
        .hasMessageEndingWith("it looks like JSON");
  }

  @Test
  void unknownSchemaId() {
    byte[] bytes = valid.clone();
    ByteBuffer.wrap(bytes).putInt(1, 4242);
    assertFailure(bytes)
        .hasMessageStartingWith("Unknown schema id 4242 in llm.completions value")
        .cause()
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
              assertThat(e.isRetriable()).isFalse();
            });
  }

  @Test
  void truncatedPayload() {
    for (int cut = 1; cut < valid.length - WireFormat.HEADER_SIZE; cut++) {
      assertFailure(Arrays.copyOf(valid, valid.length - cut))
          .hasMessageStartingWith(
              "Malformed Avro payload in llm.completions value (schema id 1, "
                  + "io.pagedstream.schemas.avro.Completion, "
                  + (valid.length - cut)
                  + " bytes)")
          // cut inside a string or array, the length prefix overruns the end; elsewhere it is EOF
          .hasMessageMatching(
              ".*(truncated: the payload ends at byte \\d+|exceeds the \\d+ bytes"
                  + " left|cannot fit in the \\d+ bytes left).*");
    }
  }

  @Test
  void trailingBytes() {
    assertFailure(Arrays.copyOf(valid, valid.length + 2))
        .hasMessageEndingWith("2 trailing bytes after the record, from byte " + valid.length);
  }

  @Test
  void aGarbageArrayCountFailsFastInsteadOfAllocating() {
    // id "a", job_id "", then token_ids claiming a billion items in the few bytes left
    byte[] bytes = {
      0, 0, 0, 0, 1, 2, 'a', 0, (byte) 0x80, (byte) 0xa8, (byte) 0xd6, (byte) 0xb9, 0x07, 1, 2, 3
    };
    assertFailure(bytes)
        .hasMessageContaining(
            "block of 1000000000 items at byte 8 cannot fit in" + " the 3 bytes left");
  }

  @Test
  void aGarbageStringLengthFailsFast() {
    byte[] bytes = {0, 0, 0, 0, 1, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 'x'};
    assertFailure(bytes)
        .hasMessageContaining("string length 1073741823 at byte 5 exceeds the 1" + " bytes left");
    assertFailure(new byte[] {0, 0, 0, 0, 1, 3, 'x'})
        .hasMessageContaining("string length -2 at byte 5 is negative");
  }

  @Test
  void anOutOfRangeUnionBranch() {
    // id "a", job_id "", token_ids [], then text's union branch 5 of 2
    assertFailure(new byte[] {0, 0, 0, 0, 1, 2, 'a', 0, 0, 10, 0})
        .hasMessageContaining("union branch index 5 at byte 9 is not in [0, 2)");
  }

  @Test
  void randomGarbageNeverEscapesAsAnotherException() {
    Random random = new Random(42);
    int failures = 0;
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = new byte[WireFormat.HEADER_SIZE + random.nextInt(80)];
      random.nextBytes(bytes);
      bytes[0] = 0;
      ByteBuffer.wrap(bytes).putInt(1, 1);
      try {
        deserializer.deserialize(TOPIC, bytes); // a few may happen to be valid Completions
      } catch (SerializationException e) {
        assertThat(e.getMessage()).startsWith("Malformed Avro payload").doesNotContain("\n");
        failures++;
      }
    }
    assertThat(failures).isGreaterThan(1900);
  }

  @Test
  void flippedBytesInAValidRecordNeverEscapeAsAnotherException() {
    for (int i = WireFormat.HEADER_SIZE; i < valid.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bytes = valid.clone();
        bytes[i] ^= (byte) (1 << bit);
        try {
          deserializer.deserialize(TOPIC, bytes);
        } catch (SerializationException expected) {
          assertThat(expected.getMessage()).doesNotContain("\n");
        }
      }
    }
  }

  @Test
  void theIdOfARecordThatFailsCanOftenStillBeRead() {
    byte[] unknownId = valid.clone();
    ByteBuffer.wrap(unknownId).putInt(1, 4242);
    byte[] truncated = Arrays.copyOf(valid, 12);

    assertFailure(unknownId);
    assertThat(WireFormat.leadingString(unknownId)).contains("req-1");
    assertFailure(truncated);
    assertThat(WireFormat.leadingString(truncated)).contains("req-1");
    assertThat(WireFormat.leadingString(new byte[] {0, 0, 0, 0, 1, 20, 'x'})).isEmpty();
    assertThat(WireFormat.leadingString(new byte[] {0, 0, 0, 0, 1, 2, (byte) 0xff})).isEmpty();
    assertThat(WireFormat.leadingString("{\"id\":1}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(WireFormat.leadingString(null)).isEmpty();
  }

  @Test
  void theValidRecordItselfDecodes() {
    assertThat(deserializer.deserialize(TOPIC, valid)).isEqualTo(Samples.completion());
    assertThatThrownBy(() -> new AvroDeserializer<>(Completion.class).deserialize(TOPIC, valid))
        .isInstanceOf(IllegalStateException.class);
  }
}

package io.pagedstream.batcher;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A generated Avro record in a state store, in Avro's single-object encoding (a marker, the writer
 * schema's fingerprint, the binary record). State is read back only by the batcher, so it goes
 * without the schema registry: a registry outage cannot stop state writes, and changelog topics add
 * no subjects to the registry. Should the schema change, the old one is given to the decoder
 * ({@link BinaryMessageDecoder#addSchema}) and found by its fingerprint.
 */
final class AvroStateSerde<T> implements Serde<T> {

  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  AvroStateSerde(BinaryMessageEncoder<T> encoder, BinaryMessageDecoder<T> decoder) {
    this.encoder = encoder;
    this.decoder = decoder;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        ByteBuffer buffer = encoder.encode(value);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      } catch (IOException | AvroRuntimeException e) {
        throw new SerializationException("cannot write state to " + topic + ": " + e, e);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return decoder.decode(bytes);
      } catch (IOException | AvroRuntimeException e) {
        throw new SerializationException("cannot read state from " + topic + ": " + e, e);
      }
    };
  }
}

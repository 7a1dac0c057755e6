package io.pagedstream.schemas.serde;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.registry.SchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: {@code [0][schema id: 4 bytes big-endian][Avro binary]}. Decoding
 * failures are one-line {@link SerializationException}s naming the topic and the problem.
 */
public final class WireFormat {

  public static final byte MAGIC_BYTE = 0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** Frames {@code datum}, encoded with {@code writer}, under {@code schemaId}. */
  public static <D> byte[] encode(int schemaId, DatumWriter<D> writer, D datum) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.write(MAGIC_BYTE);
    out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writer.write(datum, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  /**
   * Reads the header of a framed record.
   *
   * @param what names the record in messages, e.g. {@code "llm.completions value"}
   * @throws SerializationException when the bytes are too short or the magic byte is wrong
   */
  public static Frame parse(byte[] data, String what) {
    if (data.length < HEADER_SIZE) {
      throw new SerializationException(
          "Cannot deserialize "
              + what
              + ": "
              + data.length
              + " bytes is shorter than the "
              + HEADER_SIZE
              + "-byte header (magic byte 0 and schema id) of the Confluent Avro wire format");
    }
    if (data[0] != MAGIC_BYTE) {
      throw new SerializationException(
          String.format(
              "Unknown magic byte 0x%02x in %s (expected"
                  + " 0x00 of the Confluent Avro wire format)%s",
              data[0] & 0xff,
              what,
              data[0] == '{' || data[0] == '[' ? "; it looks like JSON" : ""));
    }
    return new Frame(ByteBuffer.wrap(data, 1, 4).getInt(), data, what);
  }

  /**
   * Best effort, without any schema: the string a framed record's payload starts with. Every
   * PagedStream record starts with its id ({@code GenerationRequest.id}, {@code
   * GenerationBatch.batch_id}, {@code Completion.id}; keep it first when evolving the schemas), so
   * a service can still attribute a record that fails to deserialize, for instance to answer it
   * with an error completion. Empty when the bytes are not framed or do not start with a string.
   */
  public static Optional<String> leadingString(byte[] data) {
    if (data == null || data.length <= HEADER_SIZE || data[0] != MAGIC_BYTE) {
      return Optional.empty();
    }
    try {
      return Optional.of(PayloadValidator.leadingString(data, HEADER_SIZE));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * A framed record whose header has been read.
   *
   * @param schemaId the writer schema's registry id
   * @param data the whole record, header included
   * @param what names the record in messages
   */
  public record Frame(int schemaId, byte[] data, String what) {

    /** The writer schema from the registry; an unknown id is a {@link SerializationException}. */
    public Schema writerSchema(SchemaRegistry registry) {
      try {
        return registry.schemaById(schemaId);
      } catch (SchemaRegistryException e) {
        String prefix = e.isNotFound() ? "Unknown schema id " : "Cannot fetch schema id ";
        throw new SerializationException(
            prefix + schemaId + " in " + what + ": " + e.getMessage(), e);
      }
    }

    /**
     * Decodes the payload, written with {@code writer}, using {@code reader} (which may resolve it
     * to another schema).
     *
     * @throws SerializationException for a truncated or malformed payload
     */
    public <D> D decode(Schema writer, DatumReader<D> reader) {
      try {
        PayloadValidator.check(writer, data, HEADER_SIZE);
        return reader.read(
            null,
            DecoderFactory.get().binaryDecoder(data, HEADER_SIZE, data.length - HEADER_SIZE, null));
      } catch (IOException | RuntimeException e) {
        String detail = e instanceof IllegalArgumentException ? e.getMessage() : e.toString();
        throw new SerializationException(
            "Malformed Avro payload in "
                + what
                + " (schema id "
                + schemaId
                + ", "
                + writer.getFullName()
                + ", "
                + data.length
                + " bytes): "
                + OneLine.of(detail),
            e);
      }
    }
  }
}

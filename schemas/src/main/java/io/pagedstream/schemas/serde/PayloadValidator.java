package io.pagedstream.schemas.serde;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;

/**
 * Walks a writer schema over an Avro binary payload before Avro decodes it, checking every length
 * and count against the bytes that are left. Avro trusts them: a garbage array count makes it
 * allocate an array of that size, and an OutOfMemoryError kills the consumer instead of
 * dead-lettering the record. The walk also finds truncation and trailing bytes, with the offset.
 */
final class PayloadValidator {

  /** Items that encode to no bytes (nulls, empty records) cannot be checked against the length. */
  private static final long MAX_EMPTY_ITEMS = 1 << 16;

  private final byte[] bytes;
  private final int end;
  private int pos;

  private PayloadValidator(byte[] bytes, int offset) {
    this.bytes = bytes;
    this.pos = offset;
    this.end = bytes.length;
  }

  /**
   * Checks that {@code bytes[offset..]} is exactly one datum of {@code schema}.
   *
   * @throws IllegalArgumentException saying what is wrong and at which byte
   */
  static void check(Schema schema, byte[] bytes, int offset) {
    PayloadValidator validator = new PayloadValidator(bytes, offset);
    validator.walk(schema);
    if (validator.pos != validator.end) {
      throw new IllegalArgumentException(
          (validator.end - validator.pos)
              + " trailing bytes after the record, from byte "
              + validator.pos);
    }
  }

  /**
   * The Avro string encoded at {@code bytes[offset..]}, if there is a well-formed one.
   *
   * @throws IllegalArgumentException when there is not
   */
  static String leadingString(byte[] bytes, int offset) {
    PayloadValidator validator = new PayloadValidator(bytes, offset);
    int length = validator.length("string length");
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(ByteBuffer.wrap(bytes, validator.pos, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the string is not UTF-8", e);
    }
  }

  private void walk(Schema schema) {
    switch (schema.getType()) {
      case NULL -> {}
      case BOOLEAN -> skip(1, "boolean");
      case INT -> varint(5, "int");
      case LONG -> varint(10, "long");
      case FLOAT -> skip(4, "float");
      case DOUBLE -> skip(8, "double");
      case STRING, BYTES -> skip(length(schema.getType().getName() + " length"), schema.getName());
      case FIXED -> skip(schema.getFixedSize(), schema.getName());
      case ENUM -> index(schema.getEnumSymbols().size(), "enum symbol");
      case UNION -> walk(schema.getTypes().get(index(schema.getTypes().size(), "union branch")));
      case RECORD -> schema.getFields().forEach(field -> walk(field.schema()));
      case ARRAY -> blocks(schema.getElementType(), false);
      case MAP -> blocks(schema.getValueType(), true);
    }
  }

  /** Arrays and maps: blocks of {count, [byte size if count < 0], items}, ending with count 0. */
  private void blocks(Schema item, boolean mapEntries) {
    long minItemBytes = minBytes(item) + (mapEntries ? 1 : 0);
    while (true) {
      int at = pos;
      long count = varint(10, "block count");
      if (count == 0) {
        return;
      }
      if (count < 0) {
        count = -count;
        length("block size");
      }
      if (count < 0
          || (minItemBytes > 0 ? count > remaining() / minItemBytes : count > MAX_EMPTY_ITEMS)) {
        throw new IllegalArgumentException(
            "block of "
                + count
                + " items at byte "
                + at
                + " cannot fit in the "
                + remaining()
                + " bytes left");
      }
      for (long i = 0; i < count; i++) {
        if (mapEntries) {
          skip(length("map key length"), "map key");
        }
        walk(item);
      }
    }
  }

  /** The fewest bytes a datum of this schema encodes to. */
  private static long minBytes(Schema schema) {
    return switch (schema.getType()) {
      case NULL -> 0;
      case FLOAT -> 4;
      case DOUBLE -> 8;
      case FIXED -> schema.getFixedSize();
      // records recurse only into records: a record cannot contain itself without a union or array
      case RECORD -> schema.getFields().stream().mapToLong(f -> minBytes(f.schema())).sum();
      default -> 1;
    };
  }

  private int index(int size, String what) {
    int at = pos;
    long index = varint(10, what);
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException(
          what + " index " + index + " at byte " + at + " is not in [0, " + size + ")");
    }
    return (int) index;
  }

  private int length(String what) {
    int at = pos;
    long length = varint(10, what);
    if (length < 0 || length > remaining()) {
      throw new IllegalArgumentException(
          what
              + " "
              + length
              + " at byte "
              + at
              + (length < 0 ? " is negative" : " exceeds the " + remaining() + " bytes left"));
    }
    return (int) length;
  }

  /** Reads a zig-zag varint of at most {@code maxBytes} bytes. */
  private long varint(int maxBytes, String what) {
    int at = pos;
    long raw = 0;
    for (int i = 0; ; i++) {
      if (i == maxBytes) {
        throw new IllegalArgumentException(
            what + " at byte " + at + " is longer than " + maxBytes + " bytes");
      }
      if (pos >= end) {
        throw truncated(what);
      }
      int b = bytes[pos++] & 0xff;
      raw |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
  }

  private void skip(long count, String what) {
    if (count > remaining()) {
      throw truncated(what);
    }
    pos += (int) count;
  }

  private int remaining() {
    return end - pos;
  }

  private IllegalArgumentException truncated(String what) {
    return new IllegalArgumentException(
        "truncated: the payload ends at byte " + end + " while reading " + what);
  }
}

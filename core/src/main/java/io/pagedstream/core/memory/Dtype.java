package io.pagedstream.core.memory;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A storage type for weights or the KV cache. Widths are kept in bits so that int4 (half a byte) is
 * exact: byte counts are rounded up once, over a whole tensor, never per element.
 */
public enum Dtype {
  FLOAT32("float32", 32, "fp32", "float"),
  FLOAT16("float16", 16, "fp16", "half"),
  BFLOAT16("bfloat16", 16, "bf16"),
  /** vLLM's {@code --kv-cache-dtype fp8}; also FP8 weight checkpoints. */
  FLOAT8("float8", 8, "fp8", "fp8_e4m3", "fp8_e5m2"),
  INT8("int8", 8),
  INT4("int4", 4);

  private final String label;
  private final int bits;
  private final List<String> aliases;

  Dtype(String label, int bits, String... aliases) {
    this.label = label;
    this.bits = bits;
    this.aliases = List.of(aliases);
  }

  /** The canonical name, as accepted by {@link #parse} and printed in plans. */
  public String label() {
    return label;
  }

  public int bits() {
    return bits;
  }

  public double bytesPerElement() {
    return bits / 8.0;
  }

  /** Bytes for {@code elements} values of this type, rounded up to a whole byte. */
  public long bytesFor(long elements) {
    if (elements < 0) {
      throw new IllegalArgumentException("element count cannot be negative, got " + elements);
    }
    return Math.addExact(Math.multiplyExact(elements, bits), 7) / 8;
  }

  /**
   * The type activations (and, unless told otherwise, the KV cache) take when weights are stored in
   * this one: 8- and 4-bit formats are weight-only quantizations that dequantize into float16
   * matmuls (GPTQ, AWQ, bitsandbytes and vLLM's FP8 weights all compute in 16 bits).
   */
  public Dtype computeDtype() {
    return switch (this) {
      case FLOAT32 -> FLOAT32;
      case BFLOAT16 -> BFLOAT16;
      case FLOAT16, FLOAT8, INT8, INT4 -> FLOAT16;
    };
  }

  /**
   * Parses a name or common alias (case-insensitive), e.g. {@code bf16}, {@code half}, {@code
   * int4}.
   */
  public static Dtype parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (Dtype d : values()) {
      if (d.label.equals(n) || d.aliases.contains(n)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '"
            + name
            + "' (expected one of "
            + Stream.of(values()).map(Dtype::label).collect(Collectors.joining(", "))
            + ")");
  }

  @Override
  public String toString() {
    return label;
  }
}

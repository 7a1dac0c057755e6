package io.pagedstream.core.request;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Why a request ended. On the wire ({@code Completion.finish_reason}, result lines) it is the
 * lower-case {@link #wire()} name; the Avro field stays a string because Avro resolves neither a
 * string to an enum nor back, so an enum would be an incompatible schema change for every topic and
 * data directory written so far.
 */
public enum FinishReason {
  /** Generated {@code max_tokens} tokens. */
  LENGTH,
  /** Generated the model's end-of-sequence token. */
  STOP,
  /** Never ran, or failed; the result carries the reason. */
  ERROR;

  private final String wire = name().toLowerCase(java.util.Locale.ROOT);

  /** The name in records and result lines: {@code length}, {@code stop} or {@code error}. */
  public String wire() {
    return wire;
  }

  /**
   * The reason a record names.
   *
   * @throws IllegalArgumentException for a name this version does not know
   */
  public static FinishReason fromWire(String name) {
    for (FinishReason r : values()) {
      if (r.wire.equals(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown finish_reason "
            + (name == null ? "null" : "\"" + name + "\"")
            + " (expected "
            + Arrays.stream(values()).map(FinishReason::wire).collect(Collectors.joining(", "))
            + ")");
  }

  /**
   * Whether a record's finish_reason is {@link #ERROR}, without failing on names this version does
   * not know.
   */
  public static boolean isError(CharSequence name) {
    return name != null && ERROR.wire.contentEquals(name);
  }

  @Override
  public String toString() {
    return wire;
  }
}

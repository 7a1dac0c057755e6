package io.pagedstream.core.request;

/**
 * How a request's result line is written: the native line, or the OpenAI Batch API line of the
 * endpoint the request named. Travels with the request through Kafka ({@code format}, {@code
 * custom_id}, {@code model}) so every path writes the same line.
 *
 * @param customId the OpenAI line's {@code custom_id} (null for native lines, or when unreadable)
 * @param model the {@code model} the OpenAI body named, echoed in the response body
 */
public record ResponseFormat(Kind kind, String customId, String model) {

  /** The shape of the result line; {@link #wire()} is how it is named in records. */
  public enum Kind {
    NATIVE(""),
    /** {@code POST /v1/chat/completions}: a {@code chat.completion} body. */
    CHAT("chat.completion"),
    /** {@code POST /v1/completions}: a {@code text_completion} body. */
    COMPLETION("text_completion");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    /** The kind a record names; unknown names (a newer writer's) read as native. */
    public static Kind ofWire(String wire) {
      for (Kind k : values()) {
        if (k.wire.equals(wire)) {
          return k;
        }
      }
      return NATIVE;
    }
  }

  public static final ResponseFormat NATIVE = new ResponseFormat(Kind.NATIVE, null, null);

  public ResponseFormat {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
  }

  public static ResponseFormat of(String wireKind, String customId, String model) {
    Kind k = Kind.ofWire(wireKind);
    return k == Kind.NATIVE ? NATIVE : new ResponseFormat(k, customId, model);
  }

  public boolean isOpenAi() {
    return kind != Kind.NATIVE;
  }
}

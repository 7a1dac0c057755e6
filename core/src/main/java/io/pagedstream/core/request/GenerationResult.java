package io.pagedstream.core.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.OneLine;
import java.util.List;
import java.util.Objects;

/**
 * One request's result: exactly one per request, and the one result-line format that {@code
 * generate}, {@code run} and the JSONL sink write ({@link #toJson()}). {@code text} is null for
 * models without a tokenizer and on errors; {@code error} is set exactly when {@code finishReason}
 * is {@link FinishReason#ERROR}, as one line ({@link OneLine}). Error results are built by {@link
 * #error} alone, so every path fills them the same way.
 *
 * <p>With {@code n > 1} or logprobs, {@code choices} holds every sample; the top-level ids, text
 * and finish reason are then choice 0's and {@code outputTokens} counts all samples' tokens.
 * Without them {@code choices} is null and the request's one sample is the top-level fields. {@link
 * #format} decides the line: native, or an OpenAI batch output line.
 *
 * @param createdAtMs when the result was made (the OpenAI body's {@code created}); 0 when unknown
 */
public record GenerationResult(
    String id,
    int[] tokenIds,
    String text,
    FinishReason finishReason,
    String error,
    int promptTokens,
    int outputTokens,
    ResponseFormat format,
    List<Choice> choices,
    long createdAtMs) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public GenerationResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tokenIds, "tokenIds");
    Objects.requireNonNull(finishReason, "finishReason");
    if ((finishReason == FinishReason.ERROR) != (error != null)) {
      throw new IllegalArgumentException(
          "a result has an error exactly when its finish reason is error, got "
              + finishReason
              + " with error "
              + error);
    }
    if (promptTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException(
          "token counts cannot be negative: " + promptTokens + ", " + outputTokens);
    }
    format = format == null ? ResponseFormat.NATIVE : format;
    choices = choices == null ? null : List.copyOf(choices);
  }

  /** A native result with one sample. */
  public GenerationResult(
      String id,
      int[] tokenIds,
      String text,
      FinishReason finishReason,
      String error,
      int promptTokens,
      int outputTokens) {
    this(
        id,
        tokenIds,
        text,
        finishReason,
        error,
        promptTokens,
        outputTokens,
        ResponseFormat.NATIVE,
        null,
        0);
  }

  /**
   * The result of a request that failed or never ran: no tokens, no text, the reason on one line.
   *
   * @param promptTokens the prompt's length when it was known before the failure, else 0
   */
  public static GenerationResult error(String id, String message, int promptTokens) {
    return error(id, message, promptTokens, ResponseFormat.NATIVE);
  }

  /** {@link #error(String, String, int)} answered in the request's own format. */
  public static GenerationResult error(
      String id, String message, int promptTokens, ResponseFormat format) {
    return new GenerationResult(
        id,
        new int[0],
        null,
        FinishReason.ERROR,
        OneLine.of(message),
        promptTokens,
        0,
        format,
        null,
        System.currentTimeMillis());
  }

  /** A generated result: {@code text} is null when the model has no tokenizer. */
  public static GenerationResult generated(
      String id, int[] outputIds, String text, FinishReason reason, int promptTokens) {
    return new GenerationResult(id, outputIds, text, reason, null, promptTokens, outputIds.length);
  }

  /**
   * A result as a record or line carries it ({@code finish_reason} by its wire name): an error
   * result is rebuilt by {@link #error}, so a record without a reason still reads as one line, and
   * a stray {@code error} on a finished result is dropped.
   *
   * @throws IllegalArgumentException for a finish reason this version does not know
   */
  public static GenerationResult read(
      String id,
      int[] tokenIds,
      String text,
      String finishReason,
      String error,
      int promptTokens,
      int outputTokens,
      ResponseFormat format,
      List<Choice> choices,
      long createdAtMs) {
    FinishReason reason = FinishReason.fromWire(finishReason);
    return reason == FinishReason.ERROR
        ? error(id, error, promptTokens, format)
        : new GenerationResult(
            id,
            tokenIds,
            text,
            reason,
            null,
            promptTokens,
            outputTokens,
            format,
            choices,
            createdAtMs);
  }

  /**
   * The result of a request's samples: choice 0 at the top level; {@code choices} kept only when
   * there are several or they carry logprobs, so a plain request's line is as before.
   */
  public static GenerationResult of(
      String id, List<Choice> samples, int promptTokens, ResponseFormat format, long createdAtMs) {
    Choice first = samples.get(0);
    int output = samples.stream().mapToInt(c -> c.tokenIds().length).sum();
    boolean plain = samples.size() == 1 && first.logprobs() == null;
    return new GenerationResult(
        id,
        first.tokenIds(),
        first.text(),
        first.finishReason(),
        null,
        promptTokens,
        output,
        format,
        plain ? null : samples,
        createdAtMs);
  }

  public boolean isError() {
    return finishReason == FinishReason.ERROR;
  }

  /** Every sample: {@link #choices}, or the one sample the top-level fields describe. */
  public List<Choice> allChoices() {
    return choices != null ? choices : List.of(new Choice(0, tokenIds, text, finishReason, null));
  }

  /**
   * The result line: for OpenAI-shaped requests an OpenAI batch output line ({@link
   * OpenAiBatchOutput}); else {@code {"id", "token_ids", "text" (unless null), "finish_reason",
   * "error" (unless null), "prompt_tokens", "output_tokens", "choices" (with n > 1 or logprobs)}},
   * in this order. Callers may append fields.
   */
  public ObjectNode toJson() {
    if (format.isOpenAi()) {
      return OpenAiBatchOutput.line(this);
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    var ids = o.putArray("token_ids");
    for (int t : tokenIds) {
      ids.add(t);
    }
    if (text != null) {
      o.put("text", text);
    }
    o.put("finish_reason", finishReason.wire());
    if (error != null) {
      o.put("error", error);
    }
    o.put("prompt_tokens", promptTokens);
    o.put("output_tokens", outputTokens);
    if (choices != null) {
      o.set("choices", ChoicesJson.write(choices));
    }
    return o;
  }

  public String toJsonLine() {
    return toJson().toString();
  }
}

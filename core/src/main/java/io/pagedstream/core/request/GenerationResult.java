package io.pagedstream.core.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pagedstream.core.OneLine;
import java.util.Objects;

/**
 * One request's result: exactly one per request, and the one result-line format that {@code
 * generate}, {@code run} and the JSONL sink write ({@link #toJson()}). {@code text} is null for
 * models without a tokenizer and on errors; {@code error} is set exactly when {@code finishReason}
 * is {@link FinishReason#ERROR}, as one line ({@link OneLine}). Error results are built by {@link
 * #error} alone, so every path fills them the same way.
 */
public record GenerationResult(
    String id,
    int[] tokenIds,
    String text,
    FinishReason finishReason,
    String error,
    int promptTokens,
    int outputTokens) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public GenerationResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tokenIds, "tokenIds");
    Objects.requireNonNull(finishReason, "finishReason");
    if ((finishReason == FinishReason.ERROR) != (error != null)) {
      throw new IllegalArgumentException("a result has an error exactly when its finish reason is error, got "
          + finishReason + " with error " + error);
    }
    if (promptTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token counts cannot be negative: " + promptTokens + ", " + outputTokens);
    }
  }

  /**
   * The result of a request that failed or never ran: no tokens, no text, the reason on one line.
   *
   * @param promptTokens the prompt's length when it was known before the failure, else 0
   */
  public static GenerationResult error(String id, String message, int promptTokens) {
    return new GenerationResult(id, new int[0], null, FinishReason.ERROR, OneLine.of(message), promptTokens, 0);
  }

  /** A generated result: {@code text} is null when the model has no tokenizer. */
  public static GenerationResult generated(String id, int[] outputIds, String text, FinishReason reason,
      int promptTokens) {
    return new GenerationResult(id, outputIds, text, reason, null, promptTokens, outputIds.length);
  }

  /**
   * A result as a record or line carries it ({@code finish_reason} by its wire name): an error
   * result is rebuilt by {@link #error}, so a record without a reason still reads as one line, and
   * a stray {@code error} on a finished result is dropped.
   *
   * @throws IllegalArgumentException for a finish reason this version does not know
   */
  public static GenerationResult read(String id, int[] tokenIds, String text, String finishReason, String error,
      int promptTokens, int outputTokens) {
    FinishReason reason = FinishReason.fromWire(finishReason);
    return reason == FinishReason.ERROR
        ? error(id, error, promptTokens)
        : new GenerationResult(id, tokenIds, text, reason, null, promptTokens, outputTokens);
  }

  public boolean isError() {
    return finishReason == FinishReason.ERROR;
  }

  /**
   * The result line: {@code {"id", "token_ids", "text" (unless null), "finish_reason", "error"
   * (unless null), "prompt_tokens", "output_tokens"}}, in this order. Callers may append fields.
   */
  public ObjectNode toJson() {
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
    return o;
  }

  public String toJsonLine() {
    return toJson().toString();
  }
}

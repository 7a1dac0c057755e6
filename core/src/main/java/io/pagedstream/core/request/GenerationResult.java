package io.pagedstream.core.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One result line: exactly one per request. {@code text} is null for models without a tokenizer,
 * {@code error} is set only when {@code finishReason} is {@code "error"}.
 */
public record GenerationResult(
    String id,
    int[] tokenIds,
    String text,
    String finishReason,
    String error,
    int promptTokens,
    int outputTokens) {

  public static final String LENGTH = "length";
  public static final String STOP = "stop";
  public static final String ERROR = "error";

  private static final ObjectMapper JSON = new ObjectMapper();

  public static GenerationResult error(String id, String message, int promptTokens) {
    return new GenerationResult(id, new int[0], null, ERROR, message, promptTokens, 0);
  }

  public boolean isError() {
    return ERROR.equals(finishReason);
  }

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
    o.put("finish_reason", finishReason);
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

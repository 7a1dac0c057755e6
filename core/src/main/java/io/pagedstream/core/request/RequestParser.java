package io.pagedstream.core.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pagedstream.core.OneLine;

/**
 * Parses request lines: {@code {"id", "prompt" | "prompt_token_ids", "max_tokens", "temperature",
 * "top_p", "top_k", "seed", "ignore_eos", "job_id"}}. Unknown fields are ignored so that newer
 * producers can add fields. Every problem becomes a {@link ParsedLine.Failed} with a one-line
 * reason; nothing here throws on bad input.
 */
public final class RequestParser {

  private static final int MAX_LINE_CHARS = 64 * 1024 * 1024;
  private static final ObjectMapper JSON = JsonMapper.builder()
      .build();

  static {
    JSON.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxStringLength(MAX_LINE_CHARS).maxNumberLength(100).build());
  }

  private RequestParser() {}

  /** Parses one line; {@code lineNumber} (1-based) names requests that carry no readable id. */
  public static ParsedLine parse(String line, long lineNumber) {
    String fallbackId = "line-" + lineNumber;
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return new ParsedLine.Failed(fallbackId, "line " + lineNumber + " is not valid JSON: " + OneLine.of(e.getOriginalMessage()));
    }
    if (node == null || node.isMissingNode()) {
      return new ParsedLine.Failed(fallbackId, "line " + lineNumber + " is empty");
    }
    if (!node.isObject()) {
      return new ParsedLine.Failed(fallbackId, "line " + lineNumber + " is not a JSON object");
    }
    return parse(node, fallbackId);
  }

  /** Parses an already-read JSON object. */
  public static ParsedLine parse(JsonNode node, String fallbackId) {
    String id = fallbackId;
    JsonNode idNode = node.get("id");
    if (idNode != null && (idNode.isTextual() || idNode.isIntegralNumber()) && !idNode.asText().isBlank()) {
      id = idNode.asText();
    } else if (idNode != null && !idNode.isNull()) {
      return new ParsedLine.Failed(fallbackId, "id must be a non-empty string or integer, got " + brief(idNode));
    }
    try {
      String jobId = optText(node, "job_id");
      String prompt = optText(node, "prompt");
      int[] ids = optIds(node.get("prompt_token_ids"));
      SamplingParams params = new SamplingParams(
          optDouble(node, "temperature", 1.0),
          optDouble(node, "top_p", 1.0),
          (int) optLong(node, "top_k", 0, Integer.MIN_VALUE, Integer.MAX_VALUE),
          node.hasNonNull("seed") ? optLong(node, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : null,
          (int) optLong(node, "max_tokens", SamplingParams.DEFAULT_MAX_TOKENS, Integer.MIN_VALUE, Integer.MAX_VALUE),
          optBool(node, "ignore_eos"));
      return new ParsedLine.Ok(new PromptRequest(id, jobId, prompt, ids, params));
    } catch (InvalidRequestException e) {
      return new ParsedLine.Failed(id, e.getMessage());
    }
  }

  private static String optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidRequestException(field + " must be a string, got " + brief(v));
    }
    return v.asText();
  }

  private static int[] optIds(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw new InvalidRequestException("prompt_token_ids must be an array of integers, got " + brief(v));
    }
    int[] ids = new int[v.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode e = v.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        throw new InvalidRequestException("prompt_token_ids[" + i + "] is not an integer: " + brief(e));
      }
      ids[i] = e.asInt();
    }
    return ids;
  }

  private static double optDouble(JsonNode n, String field, double fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber()) {
      throw new InvalidRequestException(field + " must be a number, got " + brief(v));
    }
    return v.asDouble();
  }

  private static long optLong(JsonNode n, String field, long fallback, long min, long max) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    boolean whole = v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
    if (!whole) {
      throw new InvalidRequestException(field + " must be an integer, got " + brief(v));
    }
    if (v.isBigInteger() || (v.isFloatingPointNumber() && Math.abs(v.asDouble()) > 9e18)
        || v.asLong() < min || v.asLong() > max) {
      throw new InvalidRequestException(field + " is out of range: " + brief(v));
    }
    return v.asLong();
  }

  private static boolean optBool(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new InvalidRequestException(field + " must be true or false, got " + brief(v));
    }
    return v.asBoolean();
  }

  static String brief(JsonNode v) {
    String s = v.toString();
    return s.length() > 40 ? s.substring(0, 37) + "..." : s;
  }
}

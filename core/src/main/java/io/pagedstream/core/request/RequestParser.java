package io.pagedstream.core.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pagedstream.core.OneLine;
import io.pagedstream.core.text.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses request lines. A native line is {@code {"id", "prompt" | "prompt_token_ids" | "messages",
 * "max_tokens", "temperature", "top_p", "top_k", "seed", "ignore_eos", "stop", "stop_token_ids",
 * "logprobs", "top_logprobs", "n", "job_id"}}; unknown fields are ignored so that newer producers
 * can add fields. A line with {@code custom_id}, {@code method}, {@code url} or {@code body} is an
 * OpenAI Batch API line, read strictly by {@link OpenAiBatchLine}. Every problem becomes a {@link
 * ParsedLine.Failed} with a one-line reason; nothing here throws on bad input.
 */
public final class RequestParser {

  private static final int MAX_LINE_CHARS = 64 * 1024 * 1024;
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  static {
    JSON.getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxStringLength(MAX_LINE_CHARS)
                .maxNumberLength(100)
                .build());
  }

  private RequestParser() {}

  /** Parses one line; {@code lineNumber} (1-based) names requests that carry no readable id. */
  public static ParsedLine parse(String line, long lineNumber) {
    String fallbackId = "line-" + lineNumber;
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return new ParsedLine.Failed(
          fallbackId,
          "line " + lineNumber + " is not valid JSON: " + OneLine.of(e.getOriginalMessage()));
    }
    if (node == null || node.isMissingNode()) {
      return new ParsedLine.Failed(fallbackId, "line " + lineNumber + " is empty");
    }
    if (!node.isObject()) {
      return new ParsedLine.Failed(fallbackId, "line " + lineNumber + " is not a JSON object");
    }
    if (OpenAiBatchLine.isOpenAiShaped(node)) {
      return OpenAiBatchLine.parse(node, fallbackId);
    }
    return parse(node, fallbackId);
  }

  /** Parses an already-read JSON object. */
  public static ParsedLine parse(JsonNode node, String fallbackId) {
    String id = fallbackId;
    JsonNode idNode = node.get("id");
    if (idNode != null
        && (idNode.isTextual() || idNode.isIntegralNumber())
        && !idNode.asText().isBlank()) {
      id = idNode.asText();
    } else if (idNode != null && !idNode.isNull()) {
      return new ParsedLine.Failed(
          fallbackId, "id must be a non-empty string or integer, got " + brief(idNode));
    }
    try {
      String jobId = optText(node, "job_id");
      String prompt = optText(node, "prompt");
      int[] ids = optIds(node.get("prompt_token_ids"));
      List<ChatMessage> messages =
          node.hasNonNull("messages") ? messages(node.get("messages")) : null;
      SamplingParams params =
          new SamplingParams(
              optDouble(node, "temperature", 1.0),
              optDouble(node, "top_p", 1.0),
              (int) optLong(node, "top_k", 0, Integer.MIN_VALUE, Integer.MAX_VALUE),
              node.hasNonNull("seed")
                  ? optLong(node, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE)
                  : null,
              (int)
                  optLong(
                      node,
                      "max_tokens",
                      SamplingParams.DEFAULT_MAX_TOKENS,
                      Integer.MIN_VALUE,
                      Integer.MAX_VALUE),
              optBool(node, "ignore_eos"),
              stop(node.get("stop")),
              optIdList(node.get("stop_token_ids"), "stop_token_ids"),
              nativeLogprobs(node),
              (int) optLong(node, "n", 1, Integer.MIN_VALUE, Integer.MAX_VALUE));
      return new ParsedLine.Ok(
          new PromptRequest(id, jobId, prompt, ids, messages, params, ResponseFormat.NATIVE));
    } catch (InvalidRequestException e) {
      return new ParsedLine.Failed(id, e.getMessage());
    }
  }

  /**
   * Native {@code logprobs}: {@code true} (with {@code top_logprobs} alternatives, default 0) as in
   * OpenAI's chat, or a number of alternatives as in its completions.
   */
  private static Integer nativeLogprobs(JsonNode node) {
    JsonNode v = node.get("logprobs");
    Integer top =
        node.hasNonNull("top_logprobs")
            ? (int) optLong(node, "top_logprobs", 0, Integer.MIN_VALUE, Integer.MAX_VALUE)
            : null;
    if (v == null || v.isNull() || (v.isBoolean() && !v.asBoolean())) {
      if (top != null) {
        throw new InvalidRequestException("top_logprobs needs logprobs: true");
      }
      return null;
    }
    if (v.isBoolean()) {
      return top == null ? 0 : top;
    }
    if (top != null) {
      throw new InvalidRequestException(
          "give logprobs: true with top_logprobs, or logprobs as a number, not both");
    }
    return (int) optLong(node, "logprobs", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** {@code stop}: a string or an array of strings (at most 4, checked by SamplingParams). */
  static List<String> stop(JsonNode v) {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (!v.isArray()) {
      throw new InvalidRequestException(
          "stop must be a string or an array of strings, got " + brief(v));
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new InvalidRequestException("stop must hold strings only, got " + brief(e));
      }
      out.add(e.asText());
    }
    return out;
  }

  /**
   * Chat messages: objects with a {@code role} (system, user, assistant) and a {@code content} that
   * is a string or a list of text parts ({@code {"type": "text", "text": ...}}).
   */
  static List<ChatMessage> messages(JsonNode v) {
    if (!v.isArray()) {
      throw new InvalidRequestException("messages must be an array of messages, got " + brief(v));
    }
    if (v.isEmpty()) {
      throw new InvalidRequestException("messages is empty");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode m = v.get(i);
      if (!m.isObject()) {
        throw new InvalidRequestException("messages[" + i + "] is not an object: " + brief(m));
      }
      for (var it = m.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (!field.equals("role") && !field.equals("content") && !m.get(field).isNull()) {
          throw new InvalidRequestException("messages[" + i + "]." + field + " is not supported");
        }
      }
      JsonNode roleNode = m.get("role");
      ChatMessage.Role role;
      try {
        role =
            ChatMessage.Role.parse(
                roleNode == null || !roleNode.isTextual() ? null : roleNode.asText());
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(
            "messages["
                + i
                + "].role must be system, user or assistant, got "
                + (roleNode == null ? "none" : brief(roleNode)));
      }
      out.add(message(role, m.get("content"), i));
    }
    return out;
  }

  private static ChatMessage message(ChatMessage.Role role, JsonNode c, int i) {
    if (c == null || c.isNull()) {
      throw new InvalidRequestException("messages[" + i + "] has no content");
    }
    if (c.isTextual()) {
      return ChatMessage.of(role, c.asText());
    }
    if (!c.isArray() || c.isEmpty()) {
      throw new InvalidRequestException(
          "messages[" + i + "].content must be a string or a list of text parts, got " + brief(c));
    }
    List<String> text = new ArrayList<>();
    for (int p = 0; p < c.size(); p++) {
      JsonNode part = c.get(p);
      JsonNode type = part.get("type");
      if (!part.isObject()
          || type == null
          || !"text".equals(type.asText())
          || !part.path("text").isTextual()) {
        throw new InvalidRequestException(
            "messages["
                + i
                + "].content["
                + p
                + "] is not a text part "
                + "(only {\"type\": \"text\", \"text\": ...} is supported): "
                + brief(part));
      }
      text.add(part.get("text").asText());
    }
    return ChatMessage.ofTextParts(role, text);
  }

  static List<Integer> optIdList(JsonNode v, String field) {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new InvalidRequestException(field + " must be an array of integers, got " + brief(v));
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        throw new InvalidRequestException(field + "[" + i + "] is not an integer: " + brief(e));
      }
      out.add(e.asInt());
    }
    return out;
  }

  static String optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidRequestException(field + " must be a string, got " + brief(v));
    }
    return v.asText();
  }

  static int[] optIds(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw new InvalidRequestException(
          "prompt_token_ids must be an array of integers, got " + brief(v));
    }
    int[] ids = new int[v.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode e = v.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        throw new InvalidRequestException(
            "prompt_token_ids[" + i + "] is not an integer: " + brief(e));
      }
      ids[i] = e.asInt();
    }
    return ids;
  }

  static double optDouble(JsonNode n, String field, double fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber()) {
      throw new InvalidRequestException(field + " must be a number, got " + brief(v));
    }
    return v.asDouble();
  }

  static long optLong(JsonNode n, String field, long fallback, long min, long max) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    boolean whole =
        v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
    if (!whole) {
      throw new InvalidRequestException(field + " must be an integer, got " + brief(v));
    }
    if (v.isBigInteger()
        || (v.isFloatingPointNumber() && Math.abs(v.asDouble()) > 9e18)
        || v.asLong() < min
        || v.asLong() > max) {
      throw new InvalidRequestException(field + " is out of range: " + brief(v));
    }
    return v.asLong();
  }

  static boolean optBool(JsonNode n, String field) {
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

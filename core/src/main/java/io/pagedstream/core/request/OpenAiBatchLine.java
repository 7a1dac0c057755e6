package io.pagedstream.core.request;

import static io.pagedstream.core.request.RequestParser.brief;
import static io.pagedstream.core.request.RequestParser.optBool;
import static io.pagedstream.core.request.RequestParser.optDouble;
import static io.pagedstream.core.request.RequestParser.optIdList;
import static io.pagedstream.core.request.RequestParser.optIds;
import static io.pagedstream.core.request.RequestParser.optLong;

import com.fasterxml.jackson.databind.JsonNode;
import io.pagedstream.core.text.ChatMessage;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one line of an OpenAI Batch API input file: {@code {"custom_id", "method": "POST", "url":
 * "/v1/chat/completions" | "/v1/completions", "body": {...}}}. The {@code custom_id} becomes the
 * request id; the body's fields map onto a {@link PromptRequest} as OpenAI (and vLLM, for its
 * extensions) define them.
 *
 * <p>Read strictly, unlike native lines: a body field that would change what is generated and is
 * not supported ({@code tools}, {@code response_format}, {@code stream: true}, ...) fails the line
 * with an error naming it rather than being ignored. Fields that do not change the output ({@link
 * #HARMLESS}) are accepted and ignored; some fields are accepted at their neutral value only
 * ({@link #NEUTRAL}). The body's {@code model} is checked against the served model later ({@link
 * ServedModel}), where the model is known.
 */
public final class OpenAiBatchLine {

  public static final String CHAT_URL = "/v1/chat/completions";
  public static final String COMPLETIONS_URL = "/v1/completions";

  /** Body fields read, by endpoint. */
  private static final Set<String> COMMON =
      Set.of(
          "model",
          "max_tokens",
          "temperature",
          "top_p",
          "seed",
          "top_k",
          "ignore_eos",
          "stop_token_ids",
          "stop",
          "n",
          "logprobs");

  private static final Set<String> CHAT_ONLY =
      Set.of("messages", "max_completion_tokens", "top_logprobs");
  private static final Set<String> COMPLETIONS_ONLY = Set.of("prompt");

  /** Body fields accepted and ignored: they label or route a request, never change its output. */
  public static final Set<String> HARMLESS =
      Set.of(
          "user",
          "metadata",
          "store",
          "service_tier",
          "parallel_tool_calls",
          "prompt_cache_key",
          "safety_identifier",
          "stream_options");

  /** Body fields accepted only at the value that means "off" (OpenAI's defaults). */
  public static final Map<String, String> NEUTRAL =
      Map.of(
          "stream", "false",
          "echo", "false",
          "presence_penalty", "0",
          "frequency_penalty", "0",
          "repetition_penalty", "1",
          "min_p", "0",
          "logit_bias", "{}",
          "best_of", "1",
          "response_format", "{\"type\":\"text\"}");

  private OpenAiBatchLine() {}

  /** A line is OpenAI-shaped when it has any of the Batch API's envelope fields. */
  static boolean isOpenAiShaped(JsonNode node) {
    return node.has("custom_id") || node.has("method") || node.has("url") || node.has("body");
  }

  static ParsedLine parse(JsonNode node, String fallbackId) {
    JsonNode cid = node.get("custom_id");
    String customId =
        cid != null && cid.isTextual() && !cid.asText().isBlank() ? cid.asText() : null;
    String id = customId != null ? customId : fallbackId;
    ResponseFormat.Kind kind = kindOf(node.get("url"));
    JsonNode body = node.get("body");
    String model =
        body != null && body.path("model").isTextual() ? body.get("model").asText() : null;
    ResponseFormat format =
        new ResponseFormat(kind == null ? ResponseFormat.Kind.CHAT : kind, customId, model);
    try {
      if (customId == null) {
        throw new InvalidRequestException(
            cid == null || cid.isNull()
                ? "custom_id is missing"
                : "custom_id must be a non-empty string, got " + brief(cid));
      }
      JsonNode method = node.get("method");
      if (method == null || !method.isTextual() || !method.asText().equals("POST")) {
        throw new InvalidRequestException(
            "method must be \"POST\", got " + (method == null ? "none" : brief(method)));
      }
      if (kind == null) {
        JsonNode url = node.get("url");
        throw new InvalidRequestException(
            "url "
                + (url == null ? "is missing" : brief(url) + " is not supported")
                + " (supported: "
                + CHAT_URL
                + ", "
                + COMPLETIONS_URL
                + ")");
      }
      for (var it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("custom_id", "method", "url", "body").contains(f)) {
          throw new InvalidRequestException(
              "line field " + f + " is not part of the OpenAI batch format");
        }
      }
      if (body == null || !body.isObject()) {
        throw new InvalidRequestException(
            "body must be a JSON object, got " + (body == null ? "none" : brief(body)));
      }
      checkFields(body, kind);
      if (model == null) {
        throw new InvalidRequestException("body.model must name the served model");
      }
      return new ParsedLine.Ok(
          kind == ResponseFormat.Kind.CHAT ? chat(id, body, format) : completion(id, body, format));
    } catch (InvalidRequestException e) {
      return new ParsedLine.Failed(id, e.getMessage(), format);
    }
  }

  private static ResponseFormat.Kind kindOf(JsonNode url) {
    if (url == null || !url.isTextual()) {
      return null;
    }
    return switch (url.asText()) {
      case CHAT_URL -> ResponseFormat.Kind.CHAT;
      case COMPLETIONS_URL -> ResponseFormat.Kind.COMPLETION;
      default -> null;
    };
  }

  /** Every body field must be read, harmless, or at its neutral value. */
  private static void checkFields(JsonNode body, ResponseFormat.Kind kind) {
    Set<String> own = kind == ResponseFormat.Kind.CHAT ? CHAT_ONLY : COMPLETIONS_ONLY;
    for (var it = body.fields(); it.hasNext(); ) {
      var e = it.next();
      String f = e.getKey();
      JsonNode v = e.getValue();
      if (COMMON.contains(f) || own.contains(f) || HARMLESS.contains(f) || v.isNull()) {
        continue;
      }
      String neutral = NEUTRAL.get(f);
      if (neutral != null && isNeutral(v, neutral)) {
        continue;
      }
      String where = kind == ResponseFormat.Kind.CHAT ? CHAT_URL : COMPLETIONS_URL;
      throw new InvalidRequestException(
          "body."
              + f
              + (neutral != null ? " = " + brief(v) : "")
              + " is not supported"
              + (neutral != null ? " (only " + neutral + ")" : "")
              + " for "
              + where);
    }
  }

  private static boolean isNeutral(JsonNode v, String neutral) {
    if (v.isNumber()) {
      return v.asDouble() == Double.parseDouble(neutral);
    }
    return v.toString().replace(" ", "").equals(neutral);
  }

  private static PromptRequest chat(String id, JsonNode body, ResponseFormat format) {
    if (!body.hasNonNull("messages")) {
      throw new InvalidRequestException("body.messages is missing");
    }
    List<ChatMessage> messages = RequestParser.messages(body.get("messages"));
    Integer maxTokens = maxTokens(body, "max_completion_tokens");
    JsonNode lp = body.get("logprobs");
    Integer logprobs = null;
    if (lp != null && !lp.isNull() && !lp.isBoolean()) {
      throw new InvalidRequestException(
          "logprobs must be true or false for " + CHAT_URL + ", got " + brief(lp));
    }
    boolean wantLogprobs = optBool(body, "logprobs");
    if (body.hasNonNull("top_logprobs")) {
      if (!wantLogprobs) {
        throw new InvalidRequestException("top_logprobs needs logprobs: true");
      }
      logprobs = (int) optLong(body, "top_logprobs", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
    } else if (wantLogprobs) {
      logprobs = 0;
    }
    return new PromptRequest(
        id, null, null, null, messages, params(body, maxTokens, logprobs), format);
  }

  private static PromptRequest completion(String id, JsonNode body, ResponseFormat format) {
    JsonNode p = body.get("prompt");
    String text = null;
    int[] ids = null;
    if (p == null || p.isNull()) {
      throw new InvalidRequestException("body.prompt is missing");
    } else if (p.isTextual()) {
      text = p.asText();
    } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
      ids = optIds(p);
    } else {
      throw new InvalidRequestException(
          "body.prompt must be a string or an array of token ids "
              + "(one prompt per line), got "
              + brief(p));
    }
    JsonNode lp = body.get("logprobs");
    Integer logprobs = null;
    if (lp != null && !lp.isNull()) {
      if (lp.isBoolean()) {
        throw new InvalidRequestException(
            "logprobs must be a number of alternatives for " + COMPLETIONS_URL + ", got " + lp);
      }
      logprobs = (int) optLong(body, "logprobs", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }
    return new PromptRequest(
        id, null, text, ids, null, params(body, maxTokens(body, null), logprobs), format);
  }

  /** {@code max_tokens}, or the chat's newer {@code max_completion_tokens}; both must agree. */
  private static Integer maxTokens(JsonNode body, String newer) {
    Integer a =
        body.hasNonNull("max_tokens")
            ? (int) optLong(body, "max_tokens", 0, Integer.MIN_VALUE, Integer.MAX_VALUE)
            : null;
    Integer b =
        newer != null && body.hasNonNull(newer)
            ? (int) optLong(body, newer, 0, Integer.MIN_VALUE, Integer.MAX_VALUE)
            : null;
    if (a != null && b != null && !a.equals(b)) {
      throw new InvalidRequestException(
          "max_tokens (" + a + ") and " + newer + " (" + b + ") disagree");
    }
    return b != null ? b : a;
  }

  private static SamplingParams params(JsonNode body, Integer maxTokens, Integer logprobs) {
    // vLLM reads top_k -1 as "off", as 0 is here
    int topK = (int) optLong(body, "top_k", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
    return new SamplingParams(
        optDouble(body, "temperature", 1.0),
        optDouble(body, "top_p", 1.0),
        topK == -1 ? 0 : topK,
        body.hasNonNull("seed") ? optLong(body, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : null,
        maxTokens == null ? SamplingParams.DEFAULT_MAX_TOKENS : maxTokens,
        optBool(body, "ignore_eos"),
        RequestParser.stop(body.get("stop")),
        optIdList(body.get("stop_token_ids"), "stop_token_ids"),
        logprobs,
        (int) optLong(body, "n", 1, Integer.MIN_VALUE, Integer.MAX_VALUE));
  }
}

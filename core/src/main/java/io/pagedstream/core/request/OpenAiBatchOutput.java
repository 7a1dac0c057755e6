package io.pagedstream.core.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes a result as a line of an OpenAI Batch API output file:
 *
 * <pre>
 * {"id": "batch_req_…", "custom_id", "response": {"status_code": 200, "request_id": "req_…",
 *   "body": {"id": "chatcmpl-…" | "cmpl-…", "object": "chat.completion" | "text_completion",
 *            "created", "model", "choices": [...], "usage": {...}}}, "error": null}
 * </pre>
 *
 * A failed request gets status 400 and an OpenAI error body ({@code {"error": {"message", "type":
 * "invalid_request_error", "param", "code"}}}). The ids derive from the result id, so the same
 * request answers with the same line through {@code generate} and through Kafka.
 */
public final class OpenAiBatchOutput {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OpenAiBatchOutput() {}

  static ObjectNode line(GenerationResult r) {
    ResponseFormat f = r.format();
    String hash = hash(r.id());
    ObjectNode line = JSON.createObjectNode();
    line.put("id", "batch_req_" + hash);
    line.put("custom_id", f.customId());
    ObjectNode response = line.putObject("response");
    response.put("status_code", r.isError() ? 400 : 200);
    response.put("request_id", "req_" + hash);
    response.set("body", r.isError() ? errorBody(r.error()) : body(r, hash));
    line.putNull("error");
    return line;
  }

  private static ObjectNode errorBody(String message) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", message);
    error.put("type", "invalid_request_error");
    error.putNull("param");
    error.putNull("code");
    return body;
  }

  private static ObjectNode body(GenerationResult r, String hash) {
    boolean chat = r.format().kind() == ResponseFormat.Kind.CHAT;
    ObjectNode body = JSON.createObjectNode();
    body.put("id", (chat ? "chatcmpl-" : "cmpl-") + hash);
    body.put("object", r.format().kind().wire());
    body.put("created", r.createdAtMs() / 1000);
    body.put("model", r.format().model());
    ArrayNode choices = body.putArray("choices");
    for (Choice c : r.allChoices()) {
      ObjectNode o = choices.addObject();
      o.put("index", c.index());
      if (chat) {
        ObjectNode message = o.putObject("message");
        message.put("role", "assistant");
        message.put("content", c.text());
        message.putNull("refusal");
      } else {
        o.put("text", c.text());
      }
      if (c.logprobs() == null) {
        o.putNull("logprobs");
      } else {
        o.set("logprobs", chat ? chatLogprobs(c) : completionLogprobs(c));
      }
      o.put("finish_reason", c.finishReason().wire());
    }
    ObjectNode usage = body.putObject("usage");
    usage.put("prompt_tokens", r.promptTokens());
    usage.put("completion_tokens", r.outputTokens());
    usage.put("total_tokens", r.promptTokens() + r.outputTokens());
    return body;
  }

  /** Chat's shape: {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}]}}. */
  private static ObjectNode chatLogprobs(Choice c) {
    ObjectNode out = JSON.createObjectNode();
    ArrayNode content = out.putArray("content");
    for (TokenLogprob lp : c.logprobs()) {
      ObjectNode t = tokenEntry(content.addObject(), lp.token(), lp.logprob());
      ArrayNode top = t.putArray("top_logprobs");
      for (TokenLogprob.Alternative a : lp.top()) {
        tokenEntry(top.addObject(), a.token(), a.logprob());
      }
    }
    out.putNull("refusal");
    return out;
  }

  private static ObjectNode tokenEntry(ObjectNode o, String token, double logprob) {
    String text = token == null ? "" : token;
    o.put("token", text);
    o.put("logprob", ChoicesJson.finite(logprob));
    ArrayNode bytes = o.putArray("bytes");
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xff);
    }
    return o;
  }

  /** Completions' shape: {@code {"tokens", "token_logprobs", "top_logprobs", "text_offset"}}. */
  private static ObjectNode completionLogprobs(Choice c) {
    ObjectNode out = JSON.createObjectNode();
    ArrayNode tokens = out.putArray("tokens");
    ArrayNode logprobs = out.putArray("token_logprobs");
    ArrayNode top = out.putArray("top_logprobs");
    ArrayNode offsets = out.putArray("text_offset");
    int offset = 0;
    for (TokenLogprob lp : c.logprobs()) {
      String text = lp.token() == null ? "" : lp.token();
      tokens.add(text);
      logprobs.add(ChoicesJson.finite(lp.logprob()));
      ObjectNode alternatives = top.addObject();
      for (TokenLogprob.Alternative a : lp.top()) {
        alternatives.put(a.token() == null ? "" : a.token(), ChoicesJson.finite(a.logprob()));
      }
      offsets.add(offset);
      offset += text.length();
    }
    return out;
  }

  /** 24 hex digits of the result id's SHA-256: stable per request, unique in practice. */
  private static String hash(String id) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

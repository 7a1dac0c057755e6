package io.pagedstream.core.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The native JSON of a request's samples, as result lines show them and as {@code Completion}
 * records carry them ({@code choices}, a JSON string: the JSONL sink and PostgreSQL's JSONB column
 * take it as it is): {@code [{"index", "token_ids", "text", "finish_reason", "logprobs":
 * [{"token_id", "token", "logprob", "top_logprobs": [{"token_id", "token", "logprob"}]}]}]}.
 */
public final class ChoicesJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ChoicesJson() {}

  public static ArrayNode write(List<Choice> choices) {
    ArrayNode out = JSON.createArrayNode();
    for (Choice c : choices) {
      ObjectNode o = out.addObject();
      o.put("index", c.index());
      ArrayNode ids = o.putArray("token_ids");
      for (int t : c.tokenIds()) {
        ids.add(t);
      }
      if (c.text() != null) {
        o.put("text", c.text());
      }
      o.put("finish_reason", c.finishReason().wire());
      if (c.logprobs() != null) {
        ArrayNode lps = o.putArray("logprobs");
        for (TokenLogprob lp : c.logprobs()) {
          ObjectNode l = lps.addObject();
          l.put("token_id", lp.tokenId());
          l.put("token", lp.token());
          l.put("logprob", finite(lp.logprob()));
          ArrayNode top = l.putArray("top_logprobs");
          for (TokenLogprob.Alternative a : lp.top()) {
            top.addObject()
                .put("token_id", a.tokenId())
                .put("token", a.token())
                .put("logprob", finite(a.logprob()));
          }
        }
      }
    }
    return out;
  }

  /** JSON has no infinities: a token the model rules out gets OpenAI's stand-in, -9999. */
  static double finite(double logprob) {
    return Double.isFinite(logprob) ? logprob : -9999.0;
  }

  public static String toText(List<Choice> choices) {
    return choices == null ? null : write(choices).toString();
  }

  /** Reads {@link #write}'s JSON back; null for null. */
  public static List<Choice> fromText(String json) {
    if (json == null) {
      return null;
    }
    try {
      return read(JSON.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "choices are not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static List<Choice> read(JsonNode array) {
    List<Choice> out = new ArrayList<>();
    for (JsonNode c : array) {
      JsonNode idsNode = c.path("token_ids");
      int[] ids = new int[idsNode.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = idsNode.get(i).asInt();
      }
      List<TokenLogprob> lps = null;
      if (c.has("logprobs") && c.get("logprobs").isArray()) {
        lps = new ArrayList<>();
        for (JsonNode l : c.get("logprobs")) {
          List<TokenLogprob.Alternative> top = new ArrayList<>();
          for (JsonNode a : l.path("top_logprobs")) {
            top.add(
                new TokenLogprob.Alternative(
                    a.path("token_id").asInt(),
                    textOrNull(a.get("token")),
                    a.path("logprob").asDouble()));
          }
          lps.add(
              new TokenLogprob(
                  l.path("token_id").asInt(),
                  textOrNull(l.get("token")),
                  l.path("logprob").asDouble(),
                  top));
        }
      }
      out.add(
          new Choice(
              c.path("index").asInt(),
              ids,
              textOrNull(c.get("text")),
              FinishReason.fromWire(c.path("finish_reason").asText()),
              lps));
    }
    return out;
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}

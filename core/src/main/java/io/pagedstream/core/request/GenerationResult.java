package io.pagedstream.core.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One result line: exactly one per request. {@code text} is null for models without a tokenizer,
 * {@code error} is set only when {@code finishReason} is {@code "error"}.
 *
 * <p>With {@code n > 1} or logprobs, {@code choices} holds every sample; the top-level ids, text
 * and finish reason are then choice 0's and {@code outputTokens} counts all samples' tokens.
 * Without them {@code choices} is null and the request's one sample is the top-level fields.
 * {@link #format} decides the line: native, or an OpenAI batch output line.
 *
 * @param createdAtMs when the result was made (the OpenAI body's {@code created}); 0 when unknown
 */
public record GenerationResult(
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

  public static final String LENGTH = "length";
  public static final String STOP = "stop";
  public static final String ERROR = "error";

  private static final ObjectMapper JSON = new ObjectMapper();

  public GenerationResult {
    format = format == null ? ResponseFormat.NATIVE : format;
    choices = choices == null ? null : List.copyOf(choices);
  }

  /** A native result with one sample. */
  public GenerationResult(String id, int[] tokenIds, String text, String finishReason, String error,
      int promptTokens, int outputTokens) {
    this(id, tokenIds, text, finishReason, error, promptTokens, outputTokens, ResponseFormat.NATIVE, null, 0);
  }

  public static GenerationResult error(String id, String message, int promptTokens) {
    return error(id, message, promptTokens, ResponseFormat.NATIVE);
  }

  public static GenerationResult error(String id, String message, int promptTokens, ResponseFormat format) {
    return new GenerationResult(id, new int[0], null, ERROR, message, promptTokens, 0, format, null,
        System.currentTimeMillis());
  }

  /**
   * The result of a request's samples: choice 0 at the top level; {@code choices} kept only when
   * there are several or they carry logprobs, so a plain request's line is as before.
   */
  public static GenerationResult of(String id, List<Choice> samples, int promptTokens, ResponseFormat format,
      long createdAtMs) {
    Choice first = samples.get(0);
    int output = samples.stream().mapToInt(c -> c.tokenIds().length).sum();
    boolean plain = samples.size() == 1 && first.logprobs() == null;
    return new GenerationResult(id, first.tokenIds(), first.text(), first.finishReason(), null, promptTokens,
        output, format, plain ? null : samples, createdAtMs);
  }

  public boolean isError() {
    return ERROR.equals(finishReason);
  }

  /** Every sample: {@link #choices}, or the one sample the top-level fields describe. */
  public List<Choice> allChoices() {
    return choices != null ? choices : List.of(new Choice(0, tokenIds, text, finishReason, null));
  }

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
    o.put("finish_reason", finishReason);
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

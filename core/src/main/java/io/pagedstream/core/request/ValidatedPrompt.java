package io.pagedstream.core.request;

/**
 * A request the model can serve: its prompt as token ids (a chat's messages rendered by the
 * template), within the model's limits, and how its result line is written.
 */
public record ValidatedPrompt(
    String id, String jobId, int[] promptTokenIds, SamplingParams params, ResponseFormat format) {

  public ValidatedPrompt {
    format = format == null ? ResponseFormat.NATIVE : format;
  }

  public ValidatedPrompt(String id, String jobId, int[] promptTokenIds, SamplingParams params) {
    this(id, jobId, promptTokenIds, params, ResponseFormat.NATIVE);
  }

  public int promptTokens() {
    return promptTokenIds.length;
  }
}

package io.pagedstream.core.request;

/** A request the model can serve: its prompt as token ids, within the model's limits. */
public record ValidatedPrompt(String id, String jobId, int[] promptTokenIds, SamplingParams params) {

  public int promptTokens() {
    return promptTokenIds.length;
  }
}

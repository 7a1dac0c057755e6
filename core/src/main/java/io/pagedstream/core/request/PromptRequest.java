package io.pagedstream.core.request;

/**
 * One request as the user sent it: a text prompt or token ids (ids win when both are given),
 * and how to sample. Not yet checked; see {@link RequestValidator}.
 */
public record PromptRequest(String id, String jobId, String prompt, int[] promptTokenIds, SamplingParams params) {

  /** The prompt's length in tokens when it came as token ids, else 0 (text is not tokenized yet). */
  public int knownPromptTokens() {
    return promptTokenIds == null ? 0 : promptTokenIds.length;
  }
}

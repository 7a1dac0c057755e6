package io.pagedstream.core.request;

/**
 * One request as the user sent it: a text prompt or token ids (ids win when both are given),
 * and how to sample. Not yet checked against a model; see {@link PromptValidator}.
 */
public record PromptRequest(String id, String jobId, String prompt, int[] promptTokenIds, SamplingParams params) {}

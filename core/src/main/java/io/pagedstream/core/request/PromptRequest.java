package io.pagedstream.core.request;

import io.pagedstream.core.text.ChatMessage;
import java.util.List;

/**
 * One request as the user sent it: a text prompt, token ids or chat messages (ids win over text;
 * messages are rendered by the model's chat template), how to sample, and how its result line is
 * written. Not yet checked; see {@link RequestValidator}.
 *
 * @param messages null unless the request is a chat; then non-empty
 */
public record PromptRequest(
    String id,
    String jobId,
    String prompt,
    int[] promptTokenIds,
    List<ChatMessage> messages,
    SamplingParams params,
    ResponseFormat format) {

  public PromptRequest {
    messages = messages == null ? null : List.copyOf(messages);
    if (messages != null && messages.isEmpty()) {
      throw new InvalidRequestException("messages is empty");
    }
    format = format == null ? ResponseFormat.NATIVE : format;
  }

  /** A native text or token-id request. */
  public PromptRequest(
      String id, String jobId, String prompt, int[] promptTokenIds, SamplingParams params) {
    this(id, jobId, prompt, promptTokenIds, null, params, ResponseFormat.NATIVE);
  }

  public boolean isChat() {
    return messages != null;
  }

  /**
   * The prompt's length in tokens when it came as token ids, else 0 (text is not tokenized yet).
   */
  public int knownPromptTokens() {
    return promptTokenIds == null ? 0 : promptTokenIds.length;
  }
}

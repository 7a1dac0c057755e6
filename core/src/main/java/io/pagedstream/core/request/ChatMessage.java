package io.pagedstream.core.request;

import java.util.Set;

/**
 * One turn of a chat request: who speaks and what they say. Content is plain text (OpenAI's list
 * of text parts is joined by the parser), so a chat template sees what Hugging Face's
 * {@code apply_chat_template} would.
 */
public record ChatMessage(String role, String content) {

  /** The roles a chat template is asked to render; tools and functions are not supported. */
  public static final Set<String> ROLES = Set.of("system", "user", "assistant");

  public ChatMessage {
    if (role == null || !ROLES.contains(role)) {
      throw new InvalidRequestException(
          "message role must be system, user or assistant, got " + (role == null ? "none" : "\"" + role + "\""));
    }
    if (content == null) {
      throw new InvalidRequestException("a " + role + " message has no content");
    }
  }
}

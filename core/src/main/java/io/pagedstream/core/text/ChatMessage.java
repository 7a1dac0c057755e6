package io.pagedstream.core.text;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One message of a chat request, as OpenAI's {@code messages} and Hugging Face chat templates know
 * it.
 *
 * <p>Content comes as a string or as a list of text parts ({@code {"type": "text", "text": ...}});
 * {@code textParts} keeps the parts (empty for string content) and {@code content} is always the
 * flat string: the parts joined with a newline, as vLLM flattens them for templates that expect a
 * string. A template that iterates over the parts gets the parts instead (see the tokenizer
 * module's {@code ChatTemplate}).
 */
public record ChatMessage(Role role, String content, List<String> textParts) {

  /** The roles a chat template is given; tool roles are not served. */
  public enum Role {
    SYSTEM,
    USER,
    ASSISTANT;

    /**
     * The role's name in requests and templates: {@code system}, {@code user}, {@code assistant}.
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The role of a request's {@code role} field, or an exception naming what is accepted. */
    public static Role parse(String name) {
      for (Role r : values()) {
        if (r.wireName().equals(name)) {
          return r;
        }
      }
      throw new IllegalArgumentException(
          "unknown message role \"" + name + "\" (expected system, user or assistant)");
    }
  }

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    textParts = List.copyOf(Objects.requireNonNull(textParts, "textParts"));
    if (!textParts.isEmpty() && !content.equals(String.join("\n", textParts))) {
      throw new IllegalArgumentException("content must be the text parts joined with newlines");
    }
  }

  /** A message whose content is a plain string. */
  public static ChatMessage of(Role role, String content) {
    return new ChatMessage(role, content, List.of());
  }

  /** A message whose content is a list of text parts (at least one). */
  public static ChatMessage ofTextParts(Role role, List<String> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("content has no text parts");
    }
    return new ChatMessage(role, String.join("\n", parts), parts);
  }

  /** Whether the content came as a list of text parts. */
  public boolean hasTextParts() {
    return !textParts.isEmpty();
  }
}

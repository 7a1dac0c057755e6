package io.pagedstream.core;

/**
 * The one rule for error texts that travel in one-line places (result rows, record headers,
 * command-line errors, log lines): the first non-blank line, stripped, cut to {@value #MAX_CHARS}
 * characters, never empty. Libraries put stack traces and hints after the first line; the first
 * line is the reason.
 */
public final class OneLine {

  /** Long enough for any reason we write ourselves; a cap for what libraries hand us. */
  public static final int MAX_CHARS = 1000;

  static final String UNKNOWN = "unknown error";

  private OneLine() {}

  /** {@code text} on one line; {@code "unknown error"} when it is null or blank. */
  public static String of(String text) {
    if (text == null || text.isBlank()) {
      return UNKNOWN;
    }
    String first = text.lines().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
    return first.length() > MAX_CHARS ? first.substring(0, MAX_CHARS - 3) + "..." : first;
  }

  /** An exception's message on one line, or its class's simple name when it has no message. */
  public static String of(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : of(message);
  }
}

package io.pagedstream.core.request;

/**
 * A request that cannot be served as given; the message is one line meant for the user. When the
 * prompt was tokenized before the problem was found, its length is kept for the error result.
 */
public class InvalidRequestException extends RuntimeException {
  private final int promptTokens;

  public InvalidRequestException(String message) {
    this(message, 0);
  }

  public InvalidRequestException(String message, int promptTokens) {
    super(message);
    this.promptTokens = promptTokens;
  }

  /** Prompt tokens counted before the request was refused; 0 when it never got that far. */
  public int promptTokens() {
    return promptTokens;
  }
}

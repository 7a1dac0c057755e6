package io.pagedstream.core.request;

/**
 * A request line that cannot be read as a request (a field of the wrong type, a sampling parameter
 * out of range); the message is one line meant for the user. Checks of a readable request against a
 * model return a {@link RequestValidator.Verdict} instead.
 */
public class InvalidRequestException extends RuntimeException {

  public InvalidRequestException(String message) {
    super(message);
  }
}

package io.pagedstream.core.request;

/** A request that cannot be served as given; the message is one line meant for the user. */
public class InvalidRequestException extends RuntimeException {
  public InvalidRequestException(String message) {
    super(message);
  }
}

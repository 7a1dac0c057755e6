package io.pagedstream.ingest;

/**
 * Ingest could not do its job (Kafka unreachable, topic missing, input unreadable, a resume that
 * does not match the input). The message is one line meant for the user; bad input lines never
 * throw this, they become error completions.
 */
public class IngestException extends RuntimeException {

  public IngestException(String message) {
    super(message);
  }

  public IngestException(String message, Throwable cause) {
    super(message, cause);
  }
}

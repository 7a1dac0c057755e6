package io.pagedstream.kafka.embedded;

/** The embedded broker could not be started, stopped or used; the message says why in one line. */
public class EmbeddedKafkaException extends RuntimeException {

  public EmbeddedKafkaException(String message) {
    super(message);
  }

  public EmbeddedKafkaException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.pagedstream.kafka.embedded;

import java.nio.file.Path;

/**
 * Turns the exception chains Kafka throws on a failed start into one-line {@link
 * EmbeddedKafkaException}s.
 */
final class StartFailure {

  private StartFailure() {}

  static EmbeddedKafkaException describe(RuntimeException failure, Path dataDir) {
    if (failure instanceof EmbeddedKafkaException known) {
      return known;
    }
    return new EmbeddedKafkaException(
        "Kafka broker with data in " + dataDir + " failed to start: " + rootMessage(failure),
        failure);
  }

  /** The innermost cause says what went wrong; the wrappers around it only say where. */
  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getClass().getSimpleName() + ": " + root.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}

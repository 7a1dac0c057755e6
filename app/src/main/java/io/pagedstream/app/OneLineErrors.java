package io.pagedstream.app;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Prints a failed command's cause as one line on stderr (the stack trace only with
 * {@code PAGEDSTREAM_DEBUG=1}) and exits non-zero: users get the reason, not a trace.
 */
final class OneLineErrors implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
    cl.getErr().println("error: " + describe(e));
    if ("1".equals(System.getenv("PAGEDSTREAM_DEBUG"))) {
      e.printStackTrace(cl.getErr());
    }
    return 1;
  }

  /**
   * The first line of the exception's message, followed by its root cause's when that says
   * something the message does not: libraries wrap the reason that matters (Kafka Streams'
   * "Exception caught during initialization of GlobalStreamThread" around "Not authorized to
   * access topics: [...]").
   */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = firstLine(e.getMessage());
    String reason = firstLine(root.getMessage());
    if (message == null) {
      return reason != null ? reason : root.getClass().getSimpleName();
    }
    return reason == null || message.contains(reason) ? message : message + ": " + reason;
  }

  private static String firstLine(String text) {
    return text == null || text.isBlank() ? null : text.strip().lines().findFirst().orElse(text);
  }
}

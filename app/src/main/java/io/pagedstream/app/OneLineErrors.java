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
    Throwable root = e;
    String message = e.getMessage();
    while ((message == null || message.isBlank()) && root.getCause() != null) {
      root = root.getCause();
      message = root.getMessage();
    }
    if (message == null || message.isBlank()) {
      message = root.getClass().getSimpleName();
    }
    cl.getErr().println("error: " + message.lines().findFirst().orElse(message));
    if ("1".equals(System.getenv("PAGEDSTREAM_DEBUG"))) {
      e.printStackTrace(cl.getErr());
    }
    return 1;
  }
}

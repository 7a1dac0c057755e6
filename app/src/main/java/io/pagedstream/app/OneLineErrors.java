package io.pagedstream.app;

import io.pagedstream.core.OneLine;
import org.apache.kafka.common.errors.SslAuthenticationException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Prints a failed command's cause as one line on stderr (the stack trace only with {@code
 * PAGEDSTREAM_DEBUG=1}) and exits non-zero: users get the reason, not a trace.
 */
final class OneLineErrors implements IExecutionExceptionHandler {

  /**
   * What a refused TLS handshake means for the user. Kafka's own message only names the TLS alert
   * ("Received fatal alert: bad_certificate"), and with TLS 1.3 a client learns of a refused
   * certificate only after the handshake, so it does not even say "handshake".
   */
  static final String TLS_REFUSED =
      "TLS handshake failed: the brokers accept only client certificates signed by a CA "
          + "they trust; check ssl.keystore.* and ssl.truststore.* in --kafka-config";

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
   * "Exception caught during initialization of GlobalStreamThread" around "Not authorized to access
   * topics: [...]").
   */
  static String describe(Throwable e) {
    Throwable root = e;
    boolean tlsRefused = false;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      tlsRefused |= t instanceof SslAuthenticationException;
      root = t;
    }
    String message = lineOrNull(e.getMessage());
    String reason = lineOrNull(root.getMessage());
    String described;
    if (message == null) {
      described = reason != null ? reason : root.getClass().getSimpleName();
    } else {
      described = reason == null || message.contains(reason) ? message : message + ": " + reason;
    }
    return tlsRefused && !described.contains(TLS_REFUSED)
        ? described + " (" + TLS_REFUSED + ")"
        : described;
  }

  private static String lineOrNull(String text) {
    return text == null || text.isBlank() ? null : OneLine.of(text);
  }
}

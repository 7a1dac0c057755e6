package io.pagedstream.app.security;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Everything this JVM prints on System.out and System.err while open, still passed through. Our
 * services log through slf4j-simple, which looks System.err up at every line, so this sees their
 * logs as well as Kafka's (at the levels app/src/main/resources/simplelogger.properties sets).
 */
final class CapturedOutput implements AutoCloseable {

  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;

  /**
   * ByteArrayOutputStream's writes are synchronized, so both streams and all threads may share it.
   */
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private CapturedOutput() {
    System.setOut(new PrintStream(new Tee(originalOut, captured), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
  }

  static CapturedOutput start() {
    return new CapturedOutput();
  }

  String text() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    System.out.flush();
    System.err.flush();
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final ByteArrayOutputStream second;

    Tee(OutputStream first, ByteArrayOutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      second.write(b, off, len);
      try {
        first.write(b, off, len);
      } catch (java.io.IOException e) {
        // the console went away: the copy is what the test reads
      }
    }

    @Override
    public void flush() throws java.io.IOException {
      first.flush();
    }
  }
}

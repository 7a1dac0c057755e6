package io.pagedstream.ingest;

import io.pagedstream.core.request.JsonlReader;
import io.pagedstream.core.request.ParsedLine;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads and parses the input on its own thread and hands the lines over through a small queue. The
 * point is the timeout on {@link #next}: with stdin fed slowly, a blocking read would keep a
 * chunk's transaction open until the next line came, past the transaction timeout; with a timeout
 * the ingest loop commits what it has and waits with no transaction open.
 */
final class LineSource implements AutoCloseable {

  /** What the reader thread hands over: lines in order, then one End or one Failure. */
  sealed interface Item {}

  record Line(long number, ParsedLine parsed) implements Item {}

  record End(long lines) implements Item {}

  record Failure(IOException error, long linesRead) implements Item {}

  /** Thrown inside the reader thread when {@link #close} interrupts a blocked hand-over. */
  private static final class Stopped extends RuntimeException {
    Stopped() {
      super(null, null, false, false);
    }
  }

  private final BlockingQueue<Item> queue;
  private final Thread reader;

  private LineSource(InputStream in, int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.reader = new Thread(() -> read(in), "ingest-reader");
    // stdin reads cannot be interrupted: a daemon thread never keeps the JVM alive after a failure
    this.reader.setDaemon(true);
  }

  /** Starts reading {@code in}; at most {@code capacity} parsed lines wait in memory. */
  static LineSource start(InputStream in, int capacity) {
    LineSource source = new LineSource(in, capacity);
    source.reader.start();
    return source;
  }

  /** The next item, or null when none came within {@code timeoutMillis}. */
  Item next(long timeoutMillis) throws InterruptedException {
    return queue.poll(Math.max(0, timeoutMillis), TimeUnit.MILLISECONDS);
  }

  private void read(InputStream in) {
    long[] count = {0};
    try {
      long lines = JsonlReader.read(in, parsed -> handOver(new Line(++count[0], parsed)));
      handOver(new End(lines));
    } catch (IOException e) {
      handOverQuietly(new Failure(e, count[0]));
    } catch (Stopped e) {
      // closed while waiting for room in the queue: nobody reads any more
    } catch (RuntimeException | Error e) {
      handOverQuietly(new Failure(new IOException(e.toString(), e), count[0]));
    }
  }

  private void handOver(Item item) {
    try {
      queue.put(item);
    } catch (InterruptedException e) {
      throw new Stopped();
    }
  }

  private void handOverQuietly(Item item) {
    try {
      handOver(item);
    } catch (Stopped e) {
      // closed: nobody waits for the failure either
    }
  }

  /** Stops the reader if it waits for room in the queue; the caller closes the stream itself. */
  @Override
  public void close() {
    reader.interrupt();
  }
}

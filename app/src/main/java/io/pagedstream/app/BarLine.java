package io.pagedstream.app;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * The terminal's last line, which the progress bar redraws in place ({@code \r} + bar), shared with
 * every other writer to the same stream (log lines, messages). Without it a log line written while
 * the bar is drawn starts in the middle of the bar, and the bar's next redraw overwrites the start
 * of a half-written line.
 *
 * <pre>
 *   bar refresh thread --&gt; {@link #bar()}   --\
 *                                               +--(one lock)--&gt; terminal
 *   loggers, printf    --&gt; {@link #others()} --/
 * </pre>
 *
 * A line from another writer first erases the bar, then is written whole, then the bar is drawn
 * again below it; while another writer is in the middle of a line the bar waits for its end.
 */
final class BarLine {

  private final Object lock = new Object();
  private final PrintStream terminal;
  private final ConsoleProgressBarConsumer drawer;

  /** The bar as last rendered, redrawn after other writers' lines; null before the first. */
  private String latest;

  /** Characters of the bar now on the terminal's last line; 0 when the line is free. */
  private int shown;

  /** Another writer has started a line and not ended it yet. */
  private boolean midLine;

  private boolean closed;

  /**
   * @param width the widest the bar is drawn; 0 for the terminal's width
   */
  BarLine(PrintStream terminal, int width) {
    this.terminal = terminal;
    this.drawer =
        width > 0
            ? new ConsoleProgressBarConsumer(terminal, width)
            : new ConsoleProgressBarConsumer(terminal);
  }

  /** Where the progress bar draws itself. */
  ProgressBarConsumer bar() {
    return new ProgressBarConsumer() {
      @Override
      public int getMaxRenderedLength() {
        return drawer.getMaxRenderedLength();
      }

      @Override
      public void accept(String rendered) {
        synchronized (lock) {
          latest = rendered;
          if (!midLine && !closed) {
            draw();
          }
        }
      }

      @Override
      public void close() {
        synchronized (lock) {
          if (!closed) {
            closed = true;
            if (midLine) {
              terminal.println(); // end the other writer's line before the bar's last frame
              midLine = false;
            }
            if (latest != null) {
              draw();
            }
            drawer.close();
            shown = 0;
          }
        }
      }
    };
  }

  /** A stream for everything else written to the terminal while the bar is up. */
  PrintStream others() {
    return new PrintStream(
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] bytes, int off, int len) {
            if (len == 0) {
              return;
            }
            synchronized (lock) {
              if (shown > 0) {
                terminal.print('\r' + " ".repeat(shown) + '\r');
                shown = 0;
              }
              terminal.write(bytes, off, len);
              midLine = bytes[off + len - 1] != '\n';
              if (!midLine && latest != null && !closed) {
                draw();
              }
              terminal.flush();
            }
          }

          @Override
          public void flush() {
            terminal.flush();
          }
        },
        true,
        StandardCharsets.UTF_8);
  }

  private void draw() {
    drawer.accept(latest);
    terminal.flush();
    shown = Math.min(latest.length(), drawer.getMaxRenderedLength());
  }
}

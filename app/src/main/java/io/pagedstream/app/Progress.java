package io.pagedstream.app;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr showing completed requests and output tokens per second. While it is up,
 * {@code System.err} goes through its {@link BarLine}, so log lines (slf4j-simple looks {@code
 * System.err} up for every line) and messages print whole above the bar instead of into it.
 */
final class Progress implements AutoCloseable {

  private final ProgressBar bar;
  private final PrintStream terminal;
  private boolean closed;

  private Progress(ProgressBar bar, PrintStream terminal) {
    this.bar = bar;
    this.terminal = terminal;
  }

  static Progress start(String task, long total, boolean quiet) {
    if (quiet) {
      return new Progress(null, null);
    }
    PrintStream terminal = System.err;
    BarLine line = new BarLine(terminal, 0);
    ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(500)
            .setConsumer(line.bar())
            .setUnit(" req", 1)
            .build();
    System.setErr(line.others());
    return new Progress(bar, terminal);
  }

  void update(long completed, long outputTokens, long startNanos) {
    if (bar == null) {
      return;
    }
    double seconds = Math.max((System.nanoTime() - startNanos) / 1e9, 1e-9);
    bar.stepTo(completed);
    bar.setExtraMessage(String.format(" %.0f tok/s", outputTokens / seconds));
  }

  @Override
  public void close() {
    if (bar != null && !closed) {
      closed = true;
      bar.close();
      System.err.flush();
      System.setErr(terminal);
    }
  }
}

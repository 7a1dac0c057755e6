package io.pagedstream.app;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr showing completed requests and output tokens per second. */
final class Progress implements AutoCloseable {

  private final ProgressBar bar;
  private boolean closed;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  static Progress start(String task, long total, boolean quiet) {
    if (quiet) {
      return new Progress(null);
    }
    return new Progress(new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setUnit(" req", 1)
        .build());
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
    }
  }
}

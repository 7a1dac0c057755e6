package io.pagedstream.app.security;

import io.pagedstream.app.PagedStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;

/**
 * A {@code pagedstream} command run in this JVM on its own thread, as the launcher would run it:
 * {@link #finish} for commands that end by themselves (with a bound, so that one that hangs fails
 * the test instead of blocking it), {@link #stop} for services, which run until interrupted.
 */
final class CommandRun {

  /** How a command ended: its exit code (null if it had to be stopped) and what it printed. */
  record Result(Integer exitCode, String out, String err) {
    /** What the launcher's error handler printed: the "error: ..." lines of stderr. */
    String errorLines() {
      return err.lines().filter(l -> l.startsWith("error:")).reduce("", (a, b) -> a + b + "\n");
    }
  }

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final AtomicInteger exit = new AtomicInteger(Integer.MIN_VALUE);
  private final Thread thread;

  private CommandRun(String... args) {
    CommandLine cl = PagedStream.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    thread = new Thread(() -> exit.set(cl.execute(args)), "command-" + args[0]);
    thread.setDaemon(true);
    thread.start();
  }

  static CommandRun start(String... args) {
    return new CommandRun(args);
  }

  /** Runs a command that should end on its own within {@code bound}. */
  static Result finish(Duration bound, String... args) throws InterruptedException {
    CommandRun run = start(args);
    run.thread.join(bound.toMillis());
    return run.stop();
  }

  boolean isRunning() {
    return thread.isAlive();
  }

  /** Interrupts a command still running (a service's wait loop ends with that) and waits for it. */
  Result stop() throws InterruptedException {
    boolean ended = !thread.isAlive();
    if (!ended) {
      thread.interrupt();
      thread.join(Duration.ofMinutes(2).toMillis());
    }
    int code = exit.get();
    return new Result(
        ended && code != Integer.MIN_VALUE ? code : null, out.toString(), err.toString());
  }
}

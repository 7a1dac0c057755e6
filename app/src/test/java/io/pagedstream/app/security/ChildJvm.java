package io.pagedstream.app.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code pagedstream} in a JVM of its own, as a deployment runs each service, with stdout and
 * stderr in one file. Used where in-process runs cannot show something: log levels are fixed per
 * JVM once a logger exists, so Kafka's own configuration dumps are only visible in a fresh one.
 */
final class ChildJvm {

  record Result(int exitCode, String output) {}

  private final Process process;
  private final Path logFile;
  private final String name;

  private ChildJvm(Process process, Path logFile, String name) {
    this.process = process;
    this.logFile = logFile;
    this.name = name;
  }

  static ChildJvm start(Path logFile, List<String> jvmOptions, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.addAll(jvmOptions);
    command.add("-cp");
    // surefire hides the real class path behind a manifest-only jar; it publishes it here
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add("io.pagedstream.app.PagedStream");
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .start();
    return new ChildJvm(process, logFile, "pagedstream " + String.join(" ", args));
  }

  /** Runs a command that ends on its own within {@code bound}. */
  static Result run(Path logFile, Duration bound, List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    return start(logFile, jvmOptions, args).awaitExit(bound);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Result awaitExit(Duration bound) throws IOException, InterruptedException {
    if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError(
          name + " did not end within " + bound + "; its output:\n" + output());
    }
    return new Result(process.exitValue(), output());
  }

  /** SIGTERM, as a service manager stops a service: its shutdown hooks close it in order. */
  Result stop(Duration bound) throws IOException, InterruptedException {
    process.destroy();
    return awaitExit(bound);
  }

  String output() throws IOException {
    return Files.readString(logFile, StandardCharsets.UTF_8);
  }
}

package io.pagedstream.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A Connect worker in its own JVM, started as {@code connect-standalone.sh} would start it ({@code
 * ConnectStandalone worker.properties connector.properties}, on this test's classpath), so that it
 * can be killed with SIGKILL: no shutdown hook, no final commit, files left mid-write.
 */
final class ForkedWorker implements AutoCloseable {

  private final Path workerFile;
  private final Path connectorFile;
  private final Path log;
  private final String classpath;
  private final int restPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process process;

  /** A worker on this test's classpath, which holds the connector. */
  ForkedWorker(Path dir, Map<String, String> worker, Map<String, String> connector)
      throws IOException {
    this(dir, testClasspath(), worker, connector);
  }

  ForkedWorker(
      Path dir, String classpath, Map<String, String> worker, Map<String, String> connector)
      throws IOException {
    this.classpath = classpath;
    restPort = freePort();
    Properties w = new Properties();
    w.putAll(worker);
    w.put("listeners", "http://127.0.0.1:" + restPort);
    w.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
    workerFile = write(dir.resolve("worker.properties"), w);
    Properties c = new Properties();
    c.putAll(connector);
    connectorFile = write(dir.resolve("connector.properties"), c);
    log = dir.resolve("worker.log");
  }

  /** The test classpath entry by entry (java.class.path is a single manifest jar under Maven). */
  static String testClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  private static Path write(Path file, Properties props) throws IOException {
    try (var out = Files.newOutputStream(file)) {
      props.store(out, null);
    }
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  void start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classpath,
                "org.apache.kafka.connect.cli.ConnectStandalone",
                workerFile.toString(),
                connectorFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  /** Waits until the REST API reports the connector and all its tasks RUNNING. */
  void awaitRunning(String name, Duration timeout) {
    Await.until(
        "connector " + name + " running in the forked worker",
        timeout,
        () -> {
          if (!process.isAlive()) {
            throw new AssertionError(
                "The forked worker exited with " + process.exitValue() + "; log:\n" + logTail());
          }
          String status = get("/connectors/" + name + "/status");
          if (status != null && status.contains("\"FAILED\"")) {
            throw new AssertionError("Connector failed: " + status);
          }
          return status != null
              && !status.contains("\"tasks\":[]")
              && !status.matches(".*\"state\":\"(?!RUNNING)[A-Z]+\".*");
        },
        this::logTail);
  }

  String get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** SIGKILL: the process ends wherever it is. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("The forked worker survived SIGKILL for 60 s");
    }
  }

  /** SIGTERM: Connect's shutdown hook stops the tasks, which commit. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("The forked worker did not stop in 120 s; log:\n" + logTail());
    }
  }

  /** The worker's log lines containing {@code text}. */
  List<String> logLines(String text) {
    try {
      return Files.readAllLines(log).stream().filter(l -> l.contains(text)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }
}

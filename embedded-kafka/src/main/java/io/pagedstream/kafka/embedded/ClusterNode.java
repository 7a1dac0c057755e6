package io.pagedstream.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One node of an {@link EmbeddedKafkaCluster} as its parent sees it: a fixed id, roles and ports, a
 * data directory, and at most one running {@link ClusterNodeMain} process at a time.
 */
final class ClusterNode {

  /** A node's JVM: small, because it holds little data; C1 only, because it is restarted often. */
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx512m",
          "-Xms64m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-Dorg.slf4j.simpleLogger.log.kafka=warn",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn",
          "-Dorg.slf4j.simpleLogger.log.state.change.logger=warn");

  private final int id;
  private final boolean broker;
  private final boolean controller;
  private final ListenerPorts ports;
  private final Path dataDir;
  private final Path home;
  private Process process;

  ClusterNode(int id, boolean broker, boolean controller, ListenerPorts ports, Path home) {
    this.id = id;
    this.broker = broker;
    this.controller = controller;
    this.ports = ports;
    this.home = home;
    this.dataDir = home.resolve("node-" + id);
  }

  int id() {
    return id;
  }

  boolean isBroker() {
    return broker;
  }

  boolean isController() {
    return controller;
  }

  ListenerPorts ports() {
    return ports;
  }

  Path dataDir() {
    return dataDir;
  }

  Path logFile() {
    return home.resolve("node-" + id + ".log");
  }

  String brokerAddress() {
    return PreboundSockets.HOST + ":" + ports.broker();
  }

  String controllerAddress() {
    return PreboundSockets.HOST + ":" + ports.controller();
  }

  private Path readyFile() {
    return home.resolve("node-" + id + ".ready");
  }

  private Path propertiesFile() {
    return home.resolve("node-" + id + ".properties");
  }

  /** Starts the node's process and returns at once; {@link #awaitReady} waits for it to serve. */
  synchronized void launch(Map<String, Object> properties, String clusterId) {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("node " + id + " is already running");
    }
    try {
      Files.createDirectories(dataDir);
      Files.deleteIfExists(readyFile());
      Properties p = new Properties();
      properties.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
      try (var out = Files.newBufferedWriter(propertiesFile(), StandardCharsets.UTF_8)) {
        p.store(out, "node " + id + " of an EmbeddedKafkaCluster");
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(JVM_OPTIONS);
      command.add("-cp");
      // surefire hides the real class path behind a manifest-only jar and publishes it here
      command.add(
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
      command.add(ClusterNodeMain.class.getName());
      command.add(propertiesFile().toString());
      command.add(clusterId);
      command.add(readyFile().toString());
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Kafka node " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until the node serves (its broker unfenced, its controller in the quorum), or fails with
   * its log's last line.
   */
  void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.exists(readyFile())) {
      Process p = currentProcess();
      if (p == null || !p.isAlive()) {
        throw new EmbeddedKafkaException(
            "Kafka node " + id + " ended before it served: " + lastLogLine());
      }
      if (System.nanoTime() > deadline) {
        throw new EmbeddedKafkaException(
            "Kafka node "
                + id
                + " did not start within "
                + timeout.toSeconds()
                + " s (log: "
                + logFile()
                + ")");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EmbeddedKafkaException("interrupted while starting Kafka node " + id, e);
      }
    }
  }

  /** True while the process lives and has reported that it serves. */
  boolean isRunning() {
    Process p = currentProcess();
    return p != null && p.isAlive() && Files.exists(readyFile());
  }

  /**
   * SIGKILL, as the kernel's OOM killer or a pulled plug ends a broker; returns once the process is
   * gone.
   */
  synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new EmbeddedKafkaException(
            "Kafka node " + id + " did not die within 30 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted while killing Kafka node " + id, e);
    } finally {
      process = null;
    }
    try {
      Files.deleteIfExists(readyFile());
    } catch (IOException e) {
      // only a marker: launch() deletes it again
    }
  }

  private synchronized Process currentProcess() {
    return process;
  }

  private String lastLogLine() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return lines.stream()
          .filter(l -> l.contains("failed to start"))
          .reduce((a, b) -> b)
          .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
    } catch (IOException e) {
      return "no log (" + e.getMessage() + ")";
    }
  }
}

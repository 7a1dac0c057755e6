package io.pagedstream.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.NotFoundException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.Worker;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect standalone worker inside this JVM, wired like {@code ConnectStandalone} but
 * without its REST server and without {@code System.exit} on errors, for tests and the {@code demo}
 * command.
 *
 * <pre>{@code
 * try (EmbeddedConnect connect = EmbeddedConnect.builder(kafka.bootstrapServers())
 *     .workerProperty("value.converter.schema.registry.url", "mock://demo")
 *     .connector(Map.of(
 *         "name", "completions-jsonl",
 *         "connector.class", CompletionSinkConnector.class.getName(),
 *         "topics", Topics.COMPLETIONS,
 *         "output.dir", "out/"))
 *     .start()) {
 *   connect.awaitRunning("completions-jsonl", Duration.ofSeconds(60));
 *   ...
 * }
 * }</pre>
 *
 * <p>Like {@code ConnectStandalone}, connectors are created from configs at each {@link #start()}:
 * {@link #stop()} or {@link #kill()} followed by {@code start()} restarts the worker with the same
 * connectors, which resume from their committed offsets. Worker defaults (each may be overridden):
 * string keys, {@code io.pagedstream.schemas.connect.AvroConverter} values, {@code
 * plugin.discovery=service_load} (a classpath scan costs seconds and a lot of memory), {@code
 * connector.client.config.override.policy=All} (for {@code consumer.override.isolation.level}) and
 * a 5 s {@code offset.flush.interval.ms}.
 */
public final class EmbeddedConnect implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedConnect.class);

  private final Map<String, String> workerProps;
  private final Map<String, Map<String, String>> connectors = new LinkedHashMap<>();
  private final Path ownOffsetsFile;
  private Worker worker;
  private WorkerSettings settings;
  private StandaloneHerder herder;

  private EmbeddedConnect(Map<String, String> workerProps, Path ownOffsetsFile) {
    this.workerProps = Map.copyOf(workerProps);
    this.ownOffsetsFile = ownOffsetsFile;
  }

  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /** Worker settings and the connectors to run. */
  public static final class Builder {
    private final Map<String, String> props = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> connectors = new LinkedHashMap<>();

    private Builder(String bootstrapServers) {
      props.put("bootstrap.servers", bootstrapServers);
      props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      props.put("value.converter", "io.pagedstream.schemas.connect.AvroConverter");
      props.put("plugin.discovery", "service_load");
      props.put("connector.client.config.override.policy", "All");
      props.put("offset.flush.interval.ms", "5000");
    }

    /** Any worker setting, e.g. {@code value.converter.schema.registry.url}. */
    public Builder workerProperty(String key, String value) {
      props.put(key, value);
      return this;
    }

    public Builder workerProperties(Map<String, String> properties) {
      props.putAll(properties);
      return this;
    }

    /** Folders of installed connector plugins ({@code plugin.path}). */
    public Builder pluginPath(Path... folders) {
      props.put(
          "plugin.path",
          java.util.Arrays.stream(folders)
              .map(p -> p.toAbsolutePath().toString())
              .collect(Collectors.joining(",")));
      return this;
    }

    /** A connector to create at each start; its config must hold {@code name}. */
    public Builder connector(Map<String, String> config) {
      connectors.put(nameOf(config), Map.copyOf(config));
      return this;
    }

    /** The worker, not yet started. */
    public EmbeddedConnect build() {
      Path ownOffsets = null;
      Map<String, String> worker = new LinkedHashMap<>(props);
      if (!worker.containsKey("offset.storage.file.filename")) {
        // sinks keep their offsets in Kafka; standalone mode still insists on a source offsets file
        try {
          ownOffsets = Files.createTempFile("connect-offsets", ".dat");
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot create the worker's offsets file", e);
        }
        worker.put("offset.storage.file.filename", ownOffsets.toString());
      }
      EmbeddedConnect connect = new EmbeddedConnect(worker, ownOffsets);
      connect.connectors.putAll(connectors);
      return connect;
    }

    public EmbeddedConnect start() {
      return build().start();
    }
  }

  /**
   * Starts the worker and creates the connectors; returns once the worker has accepted them (their
   * tasks may still be starting: see {@link #awaitRunning}).
   *
   * @throws ConnectException if the worker cannot start or refuses a connector config
   */
  public synchronized EmbeddedConnect start() {
    if (herder != null) {
      throw new IllegalStateException("The Connect worker is already running");
    }
    long begin = System.nanoTime();
    ClassLoader caller = Thread.currentThread().getContextClassLoader();
    try {
      Plugins plugins = new Plugins(workerProps);
      // WorkerConfig may load classes from plugin.path, as in ConnectStandalone
      plugins.compareAndSwapWithDelegatingLoader();
      WorkerSettings config = new WorkerSettings(workerProps);
      // newPlugins, not newPlugin: the latter's overloads need maven-artifact to compile
      ConnectorClientConfigOverridePolicy policy =
          plugins
              .newPlugins(
                  List.of(config.getString(StandaloneConfig.CONNECTOR_CLIENT_POLICY_CLASS_CONFIG)),
                  config,
                  ConnectorClientConfigOverridePolicy.class)
              .get(0);
      FileOffsetBackingStore offsets =
          new FileOffsetBackingStore(
              plugins.newInternalConverter(
                  true,
                  JsonConverter.class.getName(),
                  Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false")));
      offsets.configure(config);
      // distinct per object: workers in one JVM must not share metric names
      String workerId = "embedded-connect-" + Integer.toHexString(System.identityHashCode(this));
      worker = new Worker(workerId, Time.SYSTEM, plugins, config, offsets, policy);
      settings = config;
      herder = new StandaloneHerder(worker, config.kafkaClusterId(), policy);
      herder.start();
    } catch (RuntimeException e) {
      stopQuietly();
      throw new ConnectException("Cannot start the Connect worker: " + e.getMessage(), e);
    } finally {
      Thread.currentThread().setContextClassLoader(caller);
    }
    try {
      for (Map<String, String> config : connectors.values()) {
        submit(config);
      }
    } catch (RuntimeException e) {
      stopQuietly(); // all connectors or none, as ConnectStandalone does
      throw e;
    }
    herder.ready();
    LOG.info(
        "Connect worker started in {} ms with connectors {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin),
        connectors.keySet());
    return this;
  }

  /** Creates or reconfigures a connector, now and at every later {@link #start()}. */
  public synchronized void putConnector(Map<String, String> config) {
    if (herder != null) {
      submit(config); // a refused config is not kept for later starts either
    }
    connectors.put(nameOf(config), Map.copyOf(config));
  }

  private void submit(Map<String, String> config) {
    String name = nameOf(config);
    FutureCallback<Object> done = new FutureCallback<>();
    herder.putConnectorConfig(
        name, config, true, (error, result) -> done.onCompletion(error, null));
    await(done, "create connector " + name);
  }

  private static void await(FutureCallback<Object> done, String what) {
    try {
      done.get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ConnectException("Cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new ConnectException("Cannot " + what + ": no answer from the worker in 120 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while waiting to " + what);
    }
  }

  /** The connector's and its tasks' states, as {@code GET /connectors/NAME/status} shows them. */
  public synchronized ConnectorStateInfo status(String name) {
    if (herder == null) {
      throw new IllegalStateException("The Connect worker is not running");
    }
    return herder.connectorStatus(name);
  }

  /**
   * Waits until the connector and at least one task run.
   *
   * @throws ConnectException when the connector or a task failed (with its trace), or on timeout
   */
  public void awaitRunning(String name, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "not created yet";
    while (System.nanoTime() < deadline) {
      try {
        ConnectorStateInfo info = status(name);
        String failure = failureOf(info);
        if (failure != null) {
          throw new ConnectException("Connector " + name + " failed: " + failure);
        }
        boolean running =
            "RUNNING".equals(info.connector().state())
                && !info.tasks().isEmpty()
                && info.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()));
        if (running) {
          return;
        }
        last =
            info.connector().state()
                + ", tasks "
                + info.tasks().stream().map(t -> t.id() + ":" + t.state()).toList();
      } catch (NotFoundException e) {
        last = "not created yet";
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ConnectException("Interrupted while waiting for connector " + name);
      }
    }
    throw new ConnectException("Connector " + name + " not running after " + timeout + ": " + last);
  }

  private static String failureOf(ConnectorStateInfo info) {
    if ("FAILED".equals(info.connector().state())) {
      return info.connector().trace();
    }
    return info.tasks().stream()
        .filter(t -> "FAILED".equals(t.state()))
        .map(t -> "task " + t.id() + ": " + t.trace())
        .findFirst()
        .orElse(null);
  }

  public synchronized boolean isRunning() {
    return herder != null;
  }

  /** Stops gracefully: every sink task commits what it has written, then the worker stops. */
  public synchronized void stop() {
    if (herder == null) {
      return;
    }
    long begin = System.nanoTime();
    stopQuietly();
    LOG.info(
        "Connect worker stopped in {} ms",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
  }

  /**
   * Stops as close to a crash as a worker inside this JVM can: the worker stops with a graceful
   * task shutdown timeout of zero, so it cancels every task at once, which is what Connect does to
   * a task that outlives its shutdown timeout; a cancelled task commits no consumer offset on the
   * way down, and the group is left where the last periodic commit put it. Connect still calls a
   * sink task's {@code preCommit} and {@code close} while closing a cancelled task, so data a task
   * commits to its own store there does survive; for a real crash (pending data lost mid-write) run
   * the worker in its own process and kill it.
   *
   * <p>The tasks are told to stop a moment before they are cancelled (Connect's own order), so a
   * task that finished its {@code close} within that moment still commits its offsets: a kill can
   * be milder, never harsher, than intended.
   *
   * @throws IllegalStateException if this Connect version no longer reads the timeout when it stops
   *     its tasks (a kill would then quietly be a graceful stop)
   */
  public synchronized void kill() {
    if (herder == null) {
      return;
    }
    WorkerSettings killed = settings;
    killed.stopAtOnce();
    stopQuietly();
    if (!killed.timeoutRead()) {
      throw new IllegalStateException(
          "This Kafka Connect version does not read "
              + WorkerConfig.TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG
              + " when it stops its tasks, so kill() was a graceful stop");
    }
    LOG.info("Connect worker killed: tasks cancelled, no final offset commit");
  }

  /**
   * The worker's settings, whose graceful task shutdown timeout can drop to zero for a kill: the
   * worker reads it each time it stops tasks, through Connect's public config API.
   */
  private static final class WorkerSettings extends StandaloneConfig {
    private volatile boolean atOnce;
    private volatile boolean timeoutRead;

    WorkerSettings(Map<String, String> props) {
      super(props);
    }

    void stopAtOnce() {
      atOnce = true;
    }

    boolean timeoutRead() {
      return timeoutRead;
    }

    @Override
    public Long getLong(String key) {
      if (atOnce && WorkerConfig.TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS_CONFIG.equals(key)) {
        timeoutRead = true;
        return 0L;
      }
      return super.getLong(key);
    }
  }

  private void stopQuietly() {
    StandaloneHerder stopping = herder;
    herder = null;
    worker = null;
    settings = null;
    if (stopping != null) {
      try {
        stopping.stop();
      } catch (RuntimeException e) {
        LOG.warn("Connect worker did not stop cleanly: {}", e.toString());
      }
    }
  }

  /** Stops gracefully and deletes the offsets file this object created. */
  @Override
  public synchronized void close() {
    stop();
    if (ownOffsetsFile != null) {
      try {
        Files.deleteIfExists(ownOffsetsFile);
      } catch (IOException e) {
        LOG.warn("Cannot delete {}: {}", ownOffsetsFile, e.getMessage());
      }
    }
  }

  private static String nameOf(Map<String, String> config) {
    String name = config.get("name");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("Connector config without a name: " + config.keySet());
    }
    return name;
  }
}
